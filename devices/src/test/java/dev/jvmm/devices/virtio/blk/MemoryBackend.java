package dev.jvmm.devices.virtio.blk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** A disk in a byte array that counts its operations and can be told to fail the next ones. */
final class MemoryBackend implements BlockBackend {
    final byte[] disk;
    final boolean readOnly;
    int reads;
    int writes;
    int flushes;
    int zeroes;
    int discards;
    boolean discardable = true;
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
    public void read(ByteBuffer dst, long offset) throws IOException {
        reads++;
        maybeFail();
        dst.put(disk, Math.toIntExact(offset), dst.remaining());
    }

    @Override
    public void write(ByteBuffer src, long offset) throws IOException {
        writes++;
        maybeFail();
        src.get(disk, Math.toIntExact(offset), src.remaining());
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
