package dev.jvmm.sys;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jvmm.bindings.libc.iovec;
import dev.jvmm.bindings.libc.libc_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Objects;

/**
 * A reusable native array of {@code struct iovec} for {@link Libc#readvNoThrow} and {@link Libc#writevNoThrow}:
 * scatter-gather I/O straight between a file descriptor and native buffers such as guest memory, without a copy.
 * An entry is a native segment's address and length, so only memory the JVM has bounds-checked is ever handed to
 * the kernel; each entry's scope is kept and checked alive before every use. Adding entries allocates nothing.
 * One owner thread at a time.
 */
public final class IoVectors implements AutoCloseable {
    /** Most entries one readv/writev accepts (UIO_MAXIOV). */
    public static final int MAX_ENTRIES = libc_h.UIO_MAXIOV();

    private static final long ENTRY = iovec.sizeof();
    static final long BASE = iovec.iov_base$offset();
    static final long LEN = iovec.iov_len$offset();

    private final Arena arena = Arena.ofShared();
    private final MemorySegment array;
    private final MemorySegment.Scope[] scopes;
    private int count;
    private long byteSize;
    private boolean readOnly;

    /** An empty array with room for {@code capacity} entries (1 to {@link #MAX_ENTRIES}). */
    public IoVectors(int capacity) {
        if (capacity < 1 || capacity > MAX_ENTRIES) {
            throw new IllegalArgumentException("iovec capacity " + capacity + " is not in 1.." + MAX_ENTRIES);
        }
        array = iovec.allocateArray(capacity, arena);
        scopes = new MemorySegment.Scope[capacity];
    }

    public int capacity() { return scopes.length; }

    public int count() { return count; }

    /** Sum of the entries' lengths. */
    public long byteSize() { return byteSize; }

    /** Removes every entry. */
    public IoVectors clear() {
        Arrays.fill(scopes, 0, count, null);
        count = 0;
        byteSize = 0;
        readOnly = false;
        return this;
    }

    /**
     * Appends {@code buffer} (a native segment) as the next entry; returns false, adding nothing, when the array is
     * full. An empty buffer takes no entry.
     */
    public boolean add(MemorySegment buffer) {
        return add(buffer, 0, buffer.byteSize());
    }

    /**
     * Appends {@code [offset, offset + length)} of {@code segment} (native) as the next entry, without making a
     * slice; returns false, adding nothing, when the array is full. An empty range takes no entry.
     *
     * @throws IndexOutOfBoundsException if the range is not inside {@code segment}
     */
    public boolean add(MemorySegment segment, long offset, long length) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("an iovec needs native memory, not a heap segment");
        }
        Objects.checkFromIndexSize(offset, length, segment.byteSize());
        if (length == 0) {
            return true;
        }
        if (count == scopes.length) {
            return false;
        }
        long at = count * ENTRY;
        array.set(JAVA_LONG, at + BASE, segment.address() + offset);
        array.set(JAVA_LONG, at + LEN, length);
        scopes[count++] = segment.scope();
        byteSize += length;
        readOnly |= segment.isReadOnly();
        return true;
    }

    /** Copies the entries' bytes, in order, into {@code dst} (at most {@code dst.length}); returns how many. */
    public int gather(byte[] dst) {
        checkUsable(false);
        int done = 0;
        for (int i = 0; i < count && done < dst.length; i++) {
            MemorySegment entry = entry(i);
            int n = (int) Math.min(entry.byteSize(), dst.length - done);
            MemorySegment.copy(entry, ValueLayout.JAVA_BYTE, 0, dst, done, n);
            done += n;
        }
        return done;
    }

    /** Copies the first {@code length} bytes of {@code src} into the entries in order; returns how many fit. */
    public int scatter(byte[] src, int length) {
        checkUsable(true);
        int done = 0;
        for (int i = 0; i < count && done < length; i++) {
            MemorySegment entry = entry(i);
            int n = (int) Math.min(entry.byteSize(), length - done);
            MemorySegment.copy(src, done, entry, ValueLayout.JAVA_BYTE, 0, n);
            done += n;
        }
        return done;
    }

    @SuppressWarnings("restricted")
    private MemorySegment entry(int i) {
        long at = i * ENTRY;
        return MemorySegment.ofAddress(array.get(JAVA_LONG, at + BASE)).reinterpret(array.get(JAVA_LONG, at + LEN));
    }

    /** The native array, after checking every entry's memory is still alive (and writable when the kernel writes). */
    MemorySegment checkUsable(boolean kernelWrites) {
        if (kernelWrites && readOnly) {
            throw new IllegalStateException("iovec holds a read-only segment; the kernel would write into it");
        }
        for (int i = 0; i < count; i++) {
            if (!scopes[i].isAlive()) {
                throw new IllegalStateException("iovec entry " + i + " points into memory that was freed");
            }
        }
        return array;
    }

    @Override
    public void close() {
        clear();
        arena.close();
    }
}
