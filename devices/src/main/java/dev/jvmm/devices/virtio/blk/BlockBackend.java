package dev.jvmm.devices.virtio.blk;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where a virtio block device keeps its sectors. Offsets and sizes are in bytes; the device checks every request
 * against {@link #size()} before calling. An {@link IOException} becomes VIRTIO_BLK_S_IOERR for that request only.
 */
public interface BlockBackend extends AutoCloseable {
    /** Size of the disk in bytes, a multiple of 512. */
    long size();

    boolean isReadOnly();

    /** Fills {@code dst} (all its remaining bytes) from the disk at {@code offset}. */
    void read(ByteBuffer dst, long offset) throws IOException;

    /** Writes all remaining bytes of {@code src} at {@code offset}. */
    void write(ByteBuffer src, long offset) throws IOException;

    /** Makes completed writes durable (VIRTIO_BLK_T_FLUSH). */
    void flush() throws IOException;

    /** Makes {@code [offset, offset + length)} read as zeros (VIRTIO_BLK_T_WRITE_ZEROES). */
    void writeZeroes(long offset, long length) throws IOException;

    /** Whether {@link #discard} can deallocate ranges (the file system punches holes); offered to the guest then. */
    default boolean supportsDiscard() {
        return false;
    }

    /** Deallocates {@code [offset, offset + length)}; it reads as zeros afterwards (VIRTIO_BLK_T_DISCARD). */
    default void discard(long offset, long length) throws IOException {
        throw new IOException("discard is not supported by this backend");
    }

    @Override
    void close() throws IOException;
}
