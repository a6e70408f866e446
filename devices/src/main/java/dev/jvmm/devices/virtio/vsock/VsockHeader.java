package dev.jvmm.devices.virtio.vsock;

import dev.jvmm.devices.virtio.queue.DescriptorChain;

/**
 * {@code struct virtio_vsock_hdr} (virtio 1.2 §5.10.6): the 44 little-endian bytes before every packet's payload.
 * One instance is reused for every packet: {@link #readFrom} decodes a chain's first bytes, whatever descriptors
 * they span, into the fields; {@link #writeTo} encodes the fields into a chain's device-writable bytes. The 32-bit
 * fields are Java ints carrying unsigned values.
 */
final class VsockHeader {
    /** Bytes of the header. */
    static final int SIZE = 44;

    static final int VIRTIO_VSOCK_TYPE_STREAM = 1;

    static final int VIRTIO_VSOCK_OP_INVALID = 0;
    static final int VIRTIO_VSOCK_OP_REQUEST = 1;
    static final int VIRTIO_VSOCK_OP_RESPONSE = 2;
    static final int VIRTIO_VSOCK_OP_RST = 3;
    static final int VIRTIO_VSOCK_OP_SHUTDOWN = 4;
    static final int VIRTIO_VSOCK_OP_RW = 5;
    static final int VIRTIO_VSOCK_OP_CREDIT_UPDATE = 6;
    static final int VIRTIO_VSOCK_OP_CREDIT_REQUEST = 7;

    /** SHUTDOWN flags (§5.10.6.5): the sender will receive no more data / send no more data. */
    static final int VIRTIO_VSOCK_SHUTDOWN_F_RECEIVE = 1;
    static final int VIRTIO_VSOCK_SHUTDOWN_F_SEND = 2;

    private final byte[] bytes = new byte[SIZE];

    long srcCid;
    long dstCid;
    int srcPort;
    int dstPort;
    int len;
    int type;
    int op;
    int flags;
    int bufAlloc;
    int fwdCnt;

    /** Decodes the first {@link #SIZE} device-readable bytes of {@code chain}; false if it has fewer. */
    boolean readFrom(DescriptorChain chain) {
        if (chain.readableLength() < SIZE || chain.read(0, bytes, 0, SIZE) != SIZE) {
            return false;
        }
        srcCid = get(0, 8);
        dstCid = get(8, 8);
        srcPort = (int) get(16, 4);
        dstPort = (int) get(20, 4);
        len = (int) get(24, 4);
        type = (int) get(28, 2);
        op = (int) get(30, 2);
        flags = (int) get(32, 4);
        bufAlloc = (int) get(36, 4);
        fwdCnt = (int) get(40, 4);
        return true;
    }

    /** Encodes the fields into the first {@link #SIZE} device-writable bytes of {@code chain}. */
    void writeTo(DescriptorChain chain) {
        put(0, 8, srcCid);
        put(8, 8, dstCid);
        put(16, 4, srcPort);
        put(20, 4, dstPort);
        put(24, 4, len);
        put(28, 2, type);
        put(30, 2, op);
        put(32, 4, flags);
        put(36, 4, bufAlloc);
        put(40, 4, fwdCnt);
        chain.write(0, bytes, 0, SIZE);
    }

    /** A header from {@code (srcCid, srcPort)} to {@code (dstCid, dstPort)} with everything else zero. */
    VsockHeader reset(long srcCid, int srcPort, long dstCid, int dstPort, int op) {
        this.srcCid = srcCid;
        this.srcPort = srcPort;
        this.dstCid = dstCid;
        this.dstPort = dstPort;
        this.op = op;
        this.type = VIRTIO_VSOCK_TYPE_STREAM;
        this.len = 0;
        this.flags = 0;
        this.bufAlloc = 0;
        this.fwdCnt = 0;
        return this;
    }

    private long get(int offset, int size) {
        long value = 0;
        for (int i = size - 1; i >= 0; i--) {
            value = (value << 8) | (bytes[offset + i] & 0xff);
        }
        return value;
    }

    private void put(int offset, int size, long value) {
        for (int i = 0; i < size; i++) {
            bytes[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    @Override
    public String toString() {
        return "op " + op + " " + srcCid + ":" + Integer.toUnsignedString(srcPort) + " -> " + dstCid + ":"
                + Integer.toUnsignedString(dstPort) + " len " + Integer.toUnsignedString(len) + " type " + type
                + " flags " + flags + " buf_alloc " + Integer.toUnsignedString(bufAlloc) + " fwd_cnt "
                + Integer.toUnsignedString(fwdCnt);
    }
}
