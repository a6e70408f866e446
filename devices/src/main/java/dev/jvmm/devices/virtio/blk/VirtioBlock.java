package dev.jvmm.devices.virtio.blk;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.ConfigSpace;
import dev.jvmm.devices.virtio.VirtioDevice;
import dev.jvmm.devices.virtio.VirtioDeviceType;
import dev.jvmm.devices.virtio.VirtioFeatures;
import dev.jvmm.devices.virtio.VirtioInterrupt;
import dev.jvmm.devices.virtio.queue.DescriptorChain;
import dev.jvmm.devices.virtio.queue.SplitQueue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The virtio block device (virtio 1.2 §5.2) with one request queue over a {@link BlockBackend}. A request is a
 * 16-byte header (type, reserved, sector) in the device-readable bytes, data, and a status byte as the last
 * device-writable byte; the device makes no other assumption about how the driver split it into descriptors.
 * DISCARD is offered where the backend can punch holes (the image's file system supports it), one segment of at
 * most {@link #MAX_WRITE_ZEROES_SECTORS} per request; WRITE_ZEROES writes zeros.
 */
public final class VirtioBlock implements VirtioDevice {
    public static final long VIRTIO_BLK_F_SEG_MAX = 1L << 2;
    public static final long VIRTIO_BLK_F_RO = 1L << 5;
    public static final long VIRTIO_BLK_F_BLK_SIZE = 1L << 6;
    public static final long VIRTIO_BLK_F_FLUSH = 1L << 9;
    public static final long VIRTIO_BLK_F_DISCARD = 1L << 13;
    public static final long VIRTIO_BLK_F_WRITE_ZEROES = 1L << 14;

    public static final int VIRTIO_BLK_T_IN = 0;
    public static final int VIRTIO_BLK_T_OUT = 1;
    public static final int VIRTIO_BLK_T_FLUSH = 4;
    public static final int VIRTIO_BLK_T_GET_ID = 8;
    public static final int VIRTIO_BLK_T_DISCARD = 11;
    public static final int VIRTIO_BLK_T_WRITE_ZEROES = 13;

    public static final int VIRTIO_BLK_S_OK = 0;
    public static final int VIRTIO_BLK_S_IOERR = 1;
    public static final int VIRTIO_BLK_S_UNSUPP = 2;

    public static final int SECTOR_SIZE = 512;
    public static final int QUEUE_SIZE = 256;
    /** Bytes of the device ID string answered to VIRTIO_BLK_T_GET_ID. */
    public static final int ID_BYTES = 20;
    /** Largest WRITE_ZEROES segment, in sectors (32 MiB), so that one request is bounded work. */
    public static final int MAX_WRITE_ZEROES_SECTORS = 1 << 16;

    private static final int HEADER_BYTES = 16;

    private final BlockBackend backend;
    private final byte[] id = new byte[ID_BYTES];
    private final long capacity;
    private final long features;
    private final ConfigSpace config;
    private final BlockRequestIo io;
    private final byte[] scratch = new byte[HEADER_BYTES];

    private GuestMemory memory;
    private SplitQueue queue;
    private VirtioInterrupt interrupt;
    private boolean writeThrough;
    private boolean writeZeroesNegotiated;
    private boolean discardNegotiated;

    /** A block device over {@code backend}; {@code id} (ASCII, at most 20 bytes) answers GET_ID. */
    public VirtioBlock(BlockBackend backend, String id) {
        this.backend = Objects.requireNonNull(backend, "backend");
        byte[] idBytes = id.getBytes(StandardCharsets.US_ASCII);
        if (idBytes.length > ID_BYTES) {
            throw new IllegalArgumentException("block device id \"" + id + "\" is longer than 20 bytes");
        }
        System.arraycopy(idBytes, 0, this.id, 0, idBytes.length);
        if (backend.size() % SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("disk of " + backend.size() + " bytes is not whole sectors");
        }
        this.capacity = backend.size() / SECTOR_SIZE;
        long f = VirtioFeatures.TRANSPORT_FEATURES | VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH;
        f |= backend.isReadOnly() ? VIRTIO_BLK_F_RO : VIRTIO_BLK_F_WRITE_ZEROES;
        if (!backend.isReadOnly() && backend.supportsDiscard()) {
            f |= VIRTIO_BLK_F_DISCARD;
        }
        this.features = f;
        // struct virtio_blk_config (§5.2.4).
        this.config = new ConfigSpace(72)
                .putU64(0, capacity)
                .putU32(12, QUEUE_SIZE - 2)
                .putU32(20, SECTOR_SIZE)
                .putU16(34, 1)
                .putU32(36, MAX_WRITE_ZEROES_SECTORS) // max_discard_sectors
                .putU32(40, 1) // max_discard_seg
                .putU32(44, 1) // discard_sector_alignment
                .putU32(48, MAX_WRITE_ZEROES_SECTORS)
                .putU32(52, 1);
        this.io = new BlockRequestIo(backend);
    }

    public long capacitySectors() { return capacity; }

    @Override
    public int deviceType() { return VirtioDeviceType.BLOCK; }

    @Override
    public long deviceFeatures() { return features; }

    @Override
    public int[] queueMaxSizes() { return new int[] {QUEUE_SIZE}; }

    @Override
    public long readConfig(int offset, int size) { return config.read(offset, size); }

    @Override
    public void writeConfig(int offset, int size, long value) {
        // writeback is writable only with VIRTIO_BLK_F_CONFIG_WCE, which is not offered.
    }

    @Override
    public void activate(GuestMemory memory, SplitQueue[] queues, long ackedFeatures, VirtioInterrupt interrupt) {
        this.memory = memory;
        this.queue = queues[0];
        this.interrupt = interrupt;
        // §5.2.6.2: without FLUSH the driver expects every completed write to be durable.
        this.writeThrough = (ackedFeatures & VIRTIO_BLK_F_FLUSH) == 0;
        this.writeZeroesNegotiated = (ackedFeatures & VIRTIO_BLK_F_WRITE_ZEROES) != 0;
        this.discardNegotiated = (ackedFeatures & VIRTIO_BLK_F_DISCARD) != 0;
        io.activate();
    }

    @Override
    public void processQueue(int queueIndex) {
        do {
            DescriptorChain chain;
            while ((chain = queue.popDescriptorChain(memory)) != null) {
                queue.addUsed(memory, chain.headIndex(), handle(chain));
            }
        } while (queue.enableNotification(memory));
        if (queue.needsNotification(memory)) {
            interrupt.signalUsedBuffer(queueIndex);
        }
    }

    @Override
    public void reset() {
        memory = null;
        queue = null;
        interrupt = null;
        io.release();
    }

    /** Serves one request; returns the number of bytes written into the chain (used length). */
    private int handle(DescriptorChain chain) {
        long writable = chain.writableLength();
        if (writable == 0) {
            return 0; // no room for a status byte: nothing to answer
        }
        long dataIn = writable - 1;
        int status;
        int used = 1;
        if (chain.readableLength() < HEADER_BYTES) {
            status = VIRTIO_BLK_S_IOERR;
        } else {
            int type;
            long sector;
            if (chain.length(0) >= HEADER_BYTES) {
                // The usual layout, header alone in the first descriptor: two checked loads, no copy.
                type = memory.readU32(chain.address(0));
                sector = memory.readU64(chain.address(0) + 8);
            } else {
                chain.read(0, scratch, 0, HEADER_BYTES);
                type = (int) littleEndian(0, 4);
                sector = littleEndian(8, 8);
            }
            long dataOut = chain.readableLength() - HEADER_BYTES;
            try {
                switch (type) {
                    case VIRTIO_BLK_T_IN -> {
                        status = io.read(chain, sector, dataIn, capacity);
                        used = (int) Math.min(writable, Integer.MAX_VALUE);
                    }
                    case VIRTIO_BLK_T_OUT -> status = backend.isReadOnly() ? VIRTIO_BLK_S_IOERR
                            : io.write(chain, HEADER_BYTES, sector, dataOut, capacity, writeThrough);
                    case VIRTIO_BLK_T_FLUSH -> {
                        backend.flush();
                        status = VIRTIO_BLK_S_OK;
                    }
                    case VIRTIO_BLK_T_GET_ID -> {
                        used += chain.write(0, id, 0, (int) Math.min(ID_BYTES, dataIn));
                        status = VIRTIO_BLK_S_OK;
                    }
                    case VIRTIO_BLK_T_WRITE_ZEROES -> status = !writeZeroesNegotiated ? VIRTIO_BLK_S_UNSUPP
                            : backend.isReadOnly() ? VIRTIO_BLK_S_IOERR
                            : io.writeZeroes(chain, HEADER_BYTES, dataOut, capacity, writeThrough);
                    case VIRTIO_BLK_T_DISCARD -> status = !discardNegotiated ? VIRTIO_BLK_S_UNSUPP
                            : io.discard(chain, HEADER_BYTES, dataOut, capacity);
                    default -> status = VIRTIO_BLK_S_UNSUPP;
                }
            } catch (IOException e) {
                status = VIRTIO_BLK_S_IOERR;
            }
        }
        writeStatus(chain, dataIn, status);
        return used;
    }

    /** Stores the status as the last device-writable byte (§5.2.6), at stream offset {@code at}. */
    private void writeStatus(DescriptorChain chain, long at, int status) {
        int last = chain.descriptorCount() - 1;
        long length = chain.length(last);
        if (length > 0) {
            memory.writeU8(chain.address(last) + length - 1, (byte) status);
        } else {
            scratch[0] = (byte) status; // a trailing empty descriptor: find the byte through the stream
            chain.write(at, scratch, 0, 1);
        }
    }

    private long littleEndian(int offset, int size) {
        long value = 0;
        for (int i = size - 1; i >= 0; i--) {
            value = (value << 8) | (scratch[offset + i] & 0xff);
        }
        return value;
    }
}
