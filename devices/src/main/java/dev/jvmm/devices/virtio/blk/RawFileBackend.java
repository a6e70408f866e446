package dev.jvmm.devices.virtio.blk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A raw disk image file accessed with positional reads and writes. The file is locked for the life of the backend
 * (exclusively, or shared when read-only) so that two VMs never write one image.
 */
public final class RawFileBackend implements BlockBackend {
    private static final int ZERO_CHUNK = 64 * 1024;

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;
    private final boolean readOnly;
    private final long size;
    private ByteBuffer zeros;

    private RawFileBackend(Path path, FileChannel channel, FileLock lock, boolean readOnly, long size) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
        this.readOnly = readOnly;
        this.size = size;
    }

    /**
     * Opens and locks {@code path}.
     *
     * @throws IOException if it cannot be opened, is locked by another process (or this one), or its size is not
     *         a whole number of 512-byte sectors
     */
    public static RawFileBackend open(Path path, boolean readOnly) throws IOException {
        FileChannel channel = readOnly
                ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long size = channel.size();
            if (size % 512 != 0) {
                throw new IOException("disk image " + path + " is " + size
                        + " bytes, not a whole number of 512-byte sectors");
            }
            FileLock lock;
            try {
                lock = channel.tryLock(0, Long.MAX_VALUE, readOnly);
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IOException("disk image " + path + " is locked by another user (another jvmm?)");
            }
            return new RawFileBackend(path, channel, lock, readOnly, size);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public Path path() { return path; }

    @Override
    public long size() { return size; }

    @Override
    public boolean isReadOnly() { return readOnly; }

    @Override
    public void read(ByteBuffer dst, long offset) throws IOException {
        long position = offset;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, position);
            if (n < 0) {
                throw new IOException("short read of " + path + " at " + position);
            }
            position += n;
        }
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        if (readOnly) {
            throw new IOException("disk image " + path + " is open read-only");
        }
        long position = offset;
        while (src.hasRemaining()) {
            position += channel.write(src, position);
        }
    }

    @Override
    public void flush() throws IOException {
        channel.force(false); // fdatasync: data and the metadata needed to read it back
    }

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        if (zeros == null) {
            zeros = ByteBuffer.allocateDirect(ZERO_CHUNK);
        }
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(ZERO_CHUNK, length - done);
            write(zeros.clear().limit(n), offset + done);
            done += n;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
