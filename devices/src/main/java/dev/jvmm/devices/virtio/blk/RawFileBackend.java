package dev.jvmm.devices.virtio.blk;

import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.sys.Errno;
import dev.jvmm.sys.IoVectors;
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
 * (exclusively, or shared when read-only) so that two VMs never write one image. Requests go to the kernel as one
 * preadv/pwritev straight between the file and guest memory: FileChannel would need a ByteBuffer per guest buffer
 * and per call registers the thread for interruption, which costs a small request a noticeable share of its time.
 */
public final class RawFileBackend implements BlockBackend {
    private static final int ZERO_CHUNK = 64 * 1024;

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;
    private final boolean readOnly;
    private final long size;
    /** A second descriptor of the image for preadv/pwritev and fallocate(2), which FileChannel does not offer. */
    private final int fd;
    private final boolean holePunching;
    private ByteBuffer zeros;

    private RawFileBackend(Path path, FileChannel channel, FileLock lock, boolean readOnly, long size, int fd,
            boolean holePunching) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
        this.readOnly = readOnly;
        this.size = size;
        this.fd = fd;
        this.holePunching = holePunching;
    }

    /**
     * Whether the file system can FALLOC_FL_PUNCH_HOLE. The probe punches past the end of the file (KEEP_SIZE
     * makes that a no-op), so it changes nothing.
     */
    private static boolean canPunchHoles(int fd, long size) {
        try {
            Libc.fallocate(fd, libc_h.FALLOC_FL_PUNCH_HOLE() | libc_h.FALLOC_FL_KEEP_SIZE(), size, 512);
            return true;
        } catch (SyscallException e) {
            return false;
        }
    }

    @Override
    public boolean supportsDiscard() { return holePunching; }

    @Override
    public void discard(long offset, long length) throws IOException {
        if (!holePunching) {
            throw new IOException("disk image " + path + " cannot punch holes");
        }
        try {
            Libc.fallocate(fd, libc_h.FALLOC_FL_PUNCH_HOLE() | libc_h.FALLOC_FL_KEEP_SIZE(), offset, length);
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
            FileLock lock;
            try {
                lock = channel.tryLock(0, Long.MAX_VALUE, readOnly);
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IOException("disk image " + path + " is locked by another user (another jvmm?)");
            }
            // The second fd is opened only once the lock is held and is closed only with the backend: the lock is a
            // POSIX record lock, which closing any fd of the file in this process drops (another backend's too).
            int fd;
            try {
                fd = Libc.open(path.toString(), readOnly ? libc_h.O_RDONLY() : libc_h.O_RDWR());
            } catch (SyscallException e) {
                lock.release();
                throw new IOException("opening disk image " + path + ": " + e.getMessage(), e);
            }
            boolean holePunching = !readOnly && canPunchHoles(fd, size);
            return new RawFileBackend(path, channel, lock, readOnly, size, fd, holePunching);
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
    public long read(IoVectors dst, long offset) throws IOException {
        long n = Libc.preadvNoThrow(fd, dst, offset);
        if (n < 0) {
            throw failure("reading", dst, offset, (int) -n);
        }
        if (n == 0 && dst.byteSize() > 0) {
            throw new IOException("end of disk image " + path + " at " + offset + " (did it shrink?)");
        }
        return n;
    }

    @Override
    public long write(IoVectors src, long offset) throws IOException {
        if (readOnly) {
            throw new IOException("disk image " + path + " is open read-only");
        }
        long n = Libc.pwritevNoThrow(fd, src, offset);
        if (n < 0) {
            throw failure("writing", src, offset, (int) -n);
        }
        if (n == 0 && src.byteSize() > 0) {
            throw new IOException("writing " + path + " at " + offset + " made no progress");
        }
        return n;
    }

    private IOException failure(String what, IoVectors buffers, long offset, int errno) {
        return new IOException(what + " " + buffers.byteSize() + " bytes at " + offset + " of " + path + ": "
                + Errno.name(errno) + " (" + Errno.describe(errno) + ")");
    }

    @Override
    public void flush() throws IOException {
        channel.force(false); // fdatasync: data and the metadata needed to read it back
    }

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        if (readOnly) {
            throw new IOException("disk image " + path + " is open read-only");
        }
        if (zeros == null) {
            zeros = ByteBuffer.allocateDirect(ZERO_CHUNK);
        }
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(ZERO_CHUNK, length - done);
            ByteBuffer chunk = zeros.clear().limit(n);
            while (chunk.hasRemaining()) {
                channel.write(chunk, offset + done + chunk.position());
            }
            done += n;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
            Libc.close(fd);
        }
    }
}
