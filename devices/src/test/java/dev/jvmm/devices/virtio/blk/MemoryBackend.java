package dev.jvmm.devices.virtio.blk;

import dev.jvmm.sys.IoVectors;
import java.io.IOException;
import java.util.Arrays;

/**
 * A disk in a byte array that counts its operations and can be told to fail the next ones, or to move at most
 * {@link #maxTransfer} bytes per call (as a kernel may), so that the device must ask again for the rest.
 */
final class MemoryBackend implements BlockBackend {
    final byte[] disk;
    final boolean readOnly;
    int reads;
    int writes;
    int flushes;
    int zeroes;
    int discards;
    boolean discardable = true;
    int maxTransfer = Integer.MAX_VALUE;
    IOException failure;

    MemoryBackend(int sectors, boolean readOnly) {
        this.disk = new byte[sectors * VirtioBlock.SECTOR_SIZE];
        this.readOnly = readOnly;
    }

    int operations() { return reads + writes + flushes + zeroes + discards; }

    @Override
    public boolean supportsDiscard() { return discardable && !readOnly; }

    @Override
    public void discard(long offset, long length) throws IOException {
        discards++;
        java.util.Arrays.fill(disk, (int) offset, (int) (offset + length), (byte) 0);
    }

    private void maybeFail() throws IOException {
        if (failure != null) {
            throw failure;
        }
    }

    @Override public long size() { return disk.length; }

    @Override public boolean isReadOnly() { return readOnly; }

    @Override
    public long read(IoVectors dst, long offset) throws IOException {
        reads++;
        maybeFail();
        int n = (int) Math.min(dst.byteSize(), maxTransfer);
        int at = Math.toIntExact(offset);
        return dst.scatter(Arrays.copyOfRange(disk, at, at + n), n);
    }

    @Override
    public long write(IoVectors src, long offset) throws IOException {
        writes++;
        maybeFail();
        byte[] bytes = new byte[Math.toIntExact(src.byteSize())];
        src.gather(bytes);
        int n = (int) Math.min(bytes.length, maxTransfer);
        System.arraycopy(bytes, 0, disk, Math.toIntExact(offset), n);
        return n;
    }

    @Override
    public void flush() throws IOException {
        flushes++;
        maybeFail();
    }

    @Override
    public void writeZeroes(long offset, long length) throws IOException {
        zeroes++;
        maybeFail();
        Arrays.fill(disk, Math.toIntExact(offset), Math.toIntExact(offset + length), (byte) 0);
    }

    @Override public void close() { }
}
