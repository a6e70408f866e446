package dev.jvmm.devices.virtio.blk;

import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.sys.Libc;
import dev.jvmm.sys.SyscallException;
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
    /** A second descriptor of the image for fallocate(2), which FileChannel does not offer; -1 without discard. */
    private final int punchFd;
    private ByteBuffer zeros;

    private RawFileBackend(Path path, FileChannel channel, FileLock lock, boolean readOnly, long size, int punchFd) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
        this.readOnly = readOnly;
        this.size = size;
        this.punchFd = punchFd;
    }

    /**
     * An fd for FALLOC_FL_PUNCH_HOLE if the file system supports it, else -1. The probe punches past the end of the
     * file (KEEP_SIZE makes that a no-op), so it changes nothing.
     */
    private static int openForHolePunching(Path path, long size) {
        int fd;
        try {
            fd = Libc.open(path.toString(), libc_h.O_RDWR());
        } catch (SyscallException e) {
            return -1;
        }
        try {
            Libc.fallocate(fd, libc_h.FALLOC_FL_PUNCH_HOLE() | libc_h.FALLOC_FL_KEEP_SIZE(), size, 512);
            return fd;
        } catch (SyscallException e) {
            Libc.close(fd);
            return -1;
        }
    }

    @Override
    public boolean supportsDiscard() { return punchFd >= 0; }

    @Override
    public void discard(long offset, long length) throws IOException {
        if (punchFd < 0) {
            throw new IOException("disk image " + path + " cannot punch holes");
        }
        try {
            Libc.fallocate(punchFd, libc_h.FALLOC_FL_PUNCH_HOLE() | libc_h.FALLOC_FL_KEEP_SIZE(), offset, length);
        } catch (SyscallException e) {
            throw new IOException("discarding " + length + " bytes at " + offset + " of " + path + ": "
                    + e.getMessage(), e);
        }
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
            // Probed before locking: the lock is a POSIX record lock, which closing any other fd of the file in this
            // process would drop, so that fd is opened (and closed on failure) while no lock is held.
            int punchFd = readOnly ? -1 : openForHolePunching(path, size);
            FileLock lock;
            try {
                lock = channel.tryLock(0, Long.MAX_VALUE, readOnly);
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                if (punchFd >= 0) {
                    Libc.close(punchFd);
                }
                throw new IOException("disk image " + path + " is locked by another user (another jvmm?)");
            }
            return new RawFileBackend(path, channel, lock, readOnly, size, punchFd);
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
            if (punchFd >= 0) {
                Libc.close(punchFd);
            }
        }
    }
}
