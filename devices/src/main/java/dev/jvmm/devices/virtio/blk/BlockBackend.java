package dev.jvmm.devices.virtio.blk;

import dev.jvmm.sys.IoVectors;
import java.io.IOException;

/**
 * Where a virtio block device keeps its sectors. Offsets and sizes are in bytes; the device checks every request
 * against {@link #size()} before calling. An {@link IOException} becomes VIRTIO_BLK_S_IOERR for that request only.
 */
public interface BlockBackend extends AutoCloseable {
    /** Size of the disk in bytes, a multiple of 512. */
    long size();

    boolean isReadOnly();

    /**
     * Reads the disk from {@code offset} into the entries of {@code dst} in order (scatter), in one call where the
     * backend can. Returns the bytes read: at least one when {@code dst} is not empty, fewer than
     * {@link IoVectors#byteSize()} when the backend stopped early; the caller asks again for the rest.
     */
    long read(IoVectors dst, long offset) throws IOException;

    /** Writes the entries of {@code src} in order (gather) at {@code offset}; returns the bytes written, as {@link #read}. */
    long write(IoVectors src, long offset) throws IOException;

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
