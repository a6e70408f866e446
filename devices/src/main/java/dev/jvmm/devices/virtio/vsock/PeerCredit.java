package dev.jvmm.devices.virtio.vsock;

/**
 * The guest's receive buffer for one connection as the device last heard of it (virtio 1.2 §5.10.6.3): every
 * packet the guest sends carries its {@code buf_alloc} and {@code fwd_cnt}; the device counts what it sent in
 * {@code tx_cnt} and sends no more than {@code peer_free = peer_buf_alloc - (tx_cnt - peer_fwd_cnt)}. The counters
 * are free-running 32-bit values; numbers that make no sense (a guest claiming to have forwarded more than it got)
 * leave no credit rather than an overflowed one.
 */
final class PeerCredit {
    private int bufAlloc;
    private int fwdCnt;
    private int txCnt;

    void update(int bufAlloc, int fwdCnt) {
        this.bufAlloc = bufAlloc;
        this.fwdCnt = fwdCnt;
    }

    long free() {
        long inFlight = Integer.toUnsignedLong(txCnt - fwdCnt);
        long alloc = Integer.toUnsignedLong(bufAlloc);
        return inFlight >= alloc ? 0 : alloc - inFlight;
    }

    void sent(long bytes) {
        txCnt += (int) bytes;
    }
}
