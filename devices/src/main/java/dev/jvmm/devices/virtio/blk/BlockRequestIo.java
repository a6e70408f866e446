package dev.jvmm.devices.virtio.blk;

import static dev.jvmm.devices.virtio.blk.VirtioBlock.MAX_WRITE_ZEROES_SECTORS;
import static dev.jvmm.devices.virtio.blk.VirtioBlock.SECTOR_SIZE;
import static dev.jvmm.devices.virtio.blk.VirtioBlock.VIRTIO_BLK_S_IOERR;
import static dev.jvmm.devices.virtio.blk.VirtioBlock.VIRTIO_BLK_S_OK;
import static dev.jvmm.devices.virtio.blk.VirtioBlock.VIRTIO_BLK_S_UNSUPP;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.memory.GuestRegion;
import dev.jvmm.devices.virtio.queue.DescriptorChain;
import dev.jvmm.sys.IoVectors;
import java.io.IOException;

/**
 * Moves the data of block requests between the guest buffers of a chain and the backend, after checking the
 * request against the disk (§5.2.6.2: whole sectors, inside the capacity). Returns a VIRTIO_BLK_S_* status.
 */
final class BlockRequestIo {
    /**
     * Entries of one preadv/pwritev: as many as a chain in the queue's own table can hold; longer chains (through an
     * indirect table) take several calls.
     */
    static final int MAX_VECTORS = VirtioBlock.QUEUE_SIZE;
    private static final int SEGMENT_BYTES = 16;

    private final BlockBackend backend;
    private final byte[] segment = new byte[SEGMENT_BYTES];
    /** The scatter-gather list of the request being served; native memory, held only while the device is active. */
    private IoVectors vectors;

    BlockRequestIo(BlockBackend backend) {
        this.backend = backend;
    }

    /** Allocates the scatter-gather list; the device calls it on activation. */
    void activate() {
        if (vectors == null) {
            vectors = new IoVectors(MAX_VECTORS);
        }
    }

    /** Frees the scatter-gather list; the device calls it on reset. */
    void release() {
        if (vectors != null) {
            vectors.close();
            vectors = null;
        }
    }

    /** VIRTIO_BLK_T_IN: the first {@code length} device-writable bytes are filled from {@code sector}. */
    int read(DescriptorChain chain, long sector, long length, long capacity) throws IOException {
        if (!inside(sector, length, capacity)) {
            return VIRTIO_BLK_S_IOERR;
        }
        transfer(chain, chain.firstWritableIndex(), chain.descriptorCount(), 0, length, sector * SECTOR_SIZE, true);
        return VIRTIO_BLK_S_OK;
    }

    /** VIRTIO_BLK_T_OUT: {@code length} device-readable bytes after {@code skip} go to {@code sector}. */
    int write(DescriptorChain chain, long skip, long sector, long length, long capacity, boolean sync)
            throws IOException {
        if (!inside(sector, length, capacity)) {
            return VIRTIO_BLK_S_IOERR;
        }
        transfer(chain, 0, chain.firstWritableIndex(), skip, length, sector * SECTOR_SIZE, false);
        if (sync) {
            backend.flush();
        }
        return VIRTIO_BLK_S_OK;
    }

    /** VIRTIO_BLK_T_WRITE_ZEROES: one {@code virtio_blk_discard_write_zeroes} segment (max_write_zeroes_seg 1). */
    int writeZeroes(DescriptorChain chain, long skip, long length, long capacity, boolean sync) throws IOException {
        return segmentRequest(chain, skip, length, capacity, sync, false);
    }

    /** VIRTIO_BLK_T_DISCARD: the same segment format (max_discard_seg 1); the unmap flag must be clear. */
    int discard(DescriptorChain chain, long skip, long length, long capacity) throws IOException {
        return segmentRequest(chain, skip, length, capacity, false, true);
    }

    private int segmentRequest(DescriptorChain chain, long skip, long length, long capacity, boolean sync,
            boolean discard) throws IOException {
        if (length != SEGMENT_BYTES) {
            return VIRTIO_BLK_S_UNSUPP;
        }
        chain.read(skip, segment, 0, SEGMENT_BYTES);
        long sector = field(0, 8);
        long sectors = field(8, 4);
        long flags = field(12, 4);
        // §5.2.6.2: reserved flag bits, or unmap in a discard, are unsupported.
        if ((flags & (discard ? ~0L : ~1L)) != 0) {
            return VIRTIO_BLK_S_UNSUPP;
        }
        if (sectors > MAX_WRITE_ZEROES_SECTORS || !inside(sector, sectors * SECTOR_SIZE, capacity)) {
            return VIRTIO_BLK_S_IOERR;
        }
        if (discard) {
            backend.discard(sector * SECTOR_SIZE, sectors * SECTOR_SIZE);
            return VIRTIO_BLK_S_OK;
        }
        backend.writeZeroes(sector * SECTOR_SIZE, sectors * SECTOR_SIZE);
        if (sync) {
            backend.flush();
        }
        return VIRTIO_BLK_S_OK;
    }

    /** Whether {@code length} bytes from {@code sector} are whole sectors inside the disk; overflow-safe. */
    private static boolean inside(long sector, long length, long capacity) {
        if (length % SECTOR_SIZE != 0 || Long.compareUnsigned(sector, capacity) > 0) {
            return false;
        }
        return length / SECTOR_SIZE <= capacity - sector;
    }

    /**
     * Moves {@code length} bytes between the disk at {@code position} and descriptors {@code [from, to)} of the
     * chain after their first {@code skip} bytes: one preadv/pwritev for the lot, more only when the chain has more
     * pieces than {@link #MAX_VECTORS} or the kernel stops short. The buffers are the guest's own memory, reached
     * through the region that holds each (checked again here) without a slice or a copy.
     */
    private void transfer(DescriptorChain chain, int from, int to, long skip, long length, long position,
            boolean toGuest) throws IOException {
        GuestMemory memory = chain.memory();
        int index = from;
        long within = skip;
        long remaining = length;
        long disk = position;
        while (remaining > 0) {
            while (index < to && within >= chain.length(index)) {
                within -= chain.length(index);
                index++;
            }
            vectors.clear();
            long room = remaining;
            long at = within;
            for (int i = index; i < to && room > 0; i++) {
                long take = Math.min(chain.length(i) - at, room);
                long address = chain.address(i) + at;
                GuestRegion region = memory.region(address, take);
                if (!vectors.add(region.segment(), address - region.guestAddress(), take)) {
                    break;
                }
                room -= take;
                at = 0;
            }
            long asked = vectors.byteSize();
            if (asked == 0) {
                throw new IllegalStateException("the chain ends " + remaining + " bytes short of its request");
            }
            long n = toGuest ? backend.read(vectors, disk) : backend.write(vectors, disk);
            if (n <= 0 || n > asked) {
                throw new IOException("the backend moved " + n + " of " + asked + " bytes");
            }
            disk += n;
            remaining -= n;
            within += n;
        }
    }

    private long field(int offset, int size) {
        long value = 0;
        for (int i = size - 1; i >= 0; i--) {
            value = (value << 8) | (segment[offset + i] & 0xff);
        }
        return value;
    }
}
