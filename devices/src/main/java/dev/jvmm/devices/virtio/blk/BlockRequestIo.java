package dev.jvmm.devices.virtio.blk;

import static dev.jvmm.devices.virtio.blk.VirtioBlock.MAX_WRITE_ZEROES_SECTORS;
import static dev.jvmm.devices.virtio.blk.VirtioBlock.SECTOR_SIZE;
import static dev.jvmm.devices.virtio.blk.VirtioBlock.VIRTIO_BLK_S_IOERR;
import static dev.jvmm.devices.virtio.blk.VirtioBlock.VIRTIO_BLK_S_OK;
import static dev.jvmm.devices.virtio.blk.VirtioBlock.VIRTIO_BLK_S_UNSUPP;

import dev.jvmm.devices.virtio.queue.DescriptorChain;
import java.io.IOException;

/**
 * Moves the data of block requests between the guest buffers of a chain and the backend, after checking the
 * request against the disk (§5.2.6.2: whole sectors, inside the capacity). Returns a VIRTIO_BLK_S_* status.
 */
final class BlockRequestIo {
    private static final int SEGMENT_BYTES = 16;
    private static final long MAX_BUFFER = 1L << 30;

    private final BlockBackend backend;
    private final byte[] segment = new byte[SEGMENT_BYTES];

    BlockRequestIo(BlockBackend backend) {
        this.backend = backend;
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

    private void transfer(DescriptorChain chain, int from, int to, long skip, long length, long position,
            boolean toGuest) throws IOException {
        long remaining = length;
        long offset = skip;
        long disk = position;
        for (int i = from; i < to && remaining > 0; i++) {
            long descLength = chain.length(i);
            if (offset >= descLength) {
                offset -= descLength;
                continue;
            }
            long end = offset + Math.min(descLength - offset, remaining);
            while (offset < end) {
                long n = Math.min(end - offset, MAX_BUFFER); // a ByteBuffer holds at most 2 GiB
                var buffer = chain.memory().slice(chain.address(i) + offset, n).asByteBuffer();
                if (toGuest) {
                    backend.read(buffer, disk);
                } else {
                    backend.write(buffer, disk);
                }
                disk += n;
                remaining -= n;
                offset += n;
            }
            offset = 0;
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
