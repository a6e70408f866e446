package dev.jvmm.devices.virtio.queue;

import dev.jvmm.devices.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One available descriptor chain (virtio 1.2 §2.7.5), walked and validated as a whole when it is popped so that
 * a device never acts on half of a malformed request. Every descriptor is checked: index inside its table, buffer
 * inside guest memory, no loop (at most as many descriptors as the table holds), at most one indirect table
 * which is the last descriptor of the chain and holds no indirect descriptor itself, device-writable descriptors
 * after all device-readable ones.
 *
 * <p>The device reads the buffers as two byte streams: the device-readable bytes, then the device-writable bytes.
 * A queue owns one chain object and reuses it for every pop; it is valid until the next pop.
 */
public final class DescriptorChain {
    public static final int VIRTQ_DESC_F_NEXT = 1;
    public static final int VIRTQ_DESC_F_WRITE = 2;
    public static final int VIRTQ_DESC_F_INDIRECT = 4;
    /** Bytes of one {@code struct virtq_desc}. */
    public static final int DESCRIPTOR_SIZE = 16;
    /** Largest indirect table accepted: as many descriptors as the largest split queue. */
    public static final int MAX_INDIRECT_DESCRIPTORS = SplitQueue.MAX_SIZE;

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private GuestMemory memory;
    private int headIndex;
    private int count;
    private int firstWritable;
    private long readableLength;
    private long writableLength;
    private long[] addresses = new long[16];
    private int[] lengths = new int[16];

    DescriptorChain() { }

    /** Walks the chain starting at {@code head} of {@code table} ({@code tableSize} descriptors). */
    void load(GuestMemory memory, MemorySegment table, int tableSize, int head) {
        this.memory = memory;
        this.headIndex = head;
        count = 0;
        firstWritable = -1;
        readableLength = 0;
        writableLength = 0;
        boolean indirect = false;
        long indirectTable = 0;
        int size = tableSize;
        int budget = tableSize;
        int index = head;
        while (true) {
            if (index >= size) {
                throw new VirtqueueException("descriptor index " + index + " outside a table of " + size);
            }
            if (budget-- == 0) {
                throw new VirtqueueException("descriptor chain from head " + head + " is longer than its table of "
                        + size + " (a loop?)");
            }
            // struct virtq_desc as two little-endian quadwords: addr, then len | flags << 32 | next << 48.
            long address;
            long rest;
            if (indirect) {
                long at = indirectTable + (long) index * DESCRIPTOR_SIZE;
                address = memory.readU64(at);
                rest = memory.readU64(at + 8);
            } else {
                long at = (long) index * DESCRIPTOR_SIZE;
                address = table.get(U64, at);
                rest = table.get(U64, at + 8);
            }
            int length = (int) rest;
            int flags = (int) (rest >>> 32) & 0xffff;
            int next = (int) (rest >>> 48);
            long unsignedLength = Integer.toUnsignedLong(length);
            if ((flags & VIRTQ_DESC_F_INDIRECT) != 0) {
                // §2.7.5.3.1: one table per chain, never nested, never combined with NEXT.
                if (indirect) {
                    throw new VirtqueueException("nested indirect descriptor table in chain " + head);
                }
                if ((flags & VIRTQ_DESC_F_NEXT) != 0) {
                    throw new VirtqueueException("indirect descriptor with NEXT set in chain " + head);
                }
                if (unsignedLength == 0 || unsignedLength % DESCRIPTOR_SIZE != 0
                        || unsignedLength / DESCRIPTOR_SIZE > MAX_INDIRECT_DESCRIPTORS) {
                    throw new VirtqueueException("bad indirect table length " + unsignedLength + " in chain " + head);
                }
                checkInMemory(address, unsignedLength, head);
                indirect = true;
                indirectTable = address;
                size = (int) (unsignedLength / DESCRIPTOR_SIZE);
                budget = size;
                index = 0;
                continue;
            }
            checkInMemory(address, unsignedLength, head);
            if ((flags & VIRTQ_DESC_F_WRITE) != 0) {
                if (firstWritable < 0) {
                    firstWritable = count;
                }
                writableLength += unsignedLength;
            } else if (firstWritable >= 0) {
                // §2.7.4.2: device-writable elements come after device-readable ones.
                throw new VirtqueueException("device-readable descriptor after a device-writable one in chain " + head);
            } else {
                readableLength += unsignedLength;
            }
            append(address, length);
            if ((flags & VIRTQ_DESC_F_NEXT) == 0) {
                return;
            }
            index = next;
        }
    }

    private void checkInMemory(long address, long length, int head) {
        if (!memory.contains(address, length)) {
            throw new VirtqueueException("buffer [0x" + Long.toHexString(address) + ", +" + length
                    + ") of chain " + head + " is outside guest memory");
        }
    }

    private void append(long address, int length) {
        if (count == addresses.length) {
            addresses = Arrays.copyOf(addresses, count * 2);
            lengths = Arrays.copyOf(lengths, count * 2);
        }
        addresses[count] = address;
        lengths[count] = length;
        count++;
    }

    /** The descriptor index the driver placed in the available ring; {@code addUsed} takes it back. */
    public int headIndex() { return headIndex; }

    /** Number of buffer descriptors (an indirect table counts as the descriptors it holds). */
    public int descriptorCount() { return count; }

    public long address(int i) { return addresses[checkIndex(i)]; }

    /** Length in bytes of descriptor {@code i}, as an unsigned value. */
    public long length(int i) { return Integer.toUnsignedLong(lengths[checkIndex(i)]); }

    public boolean isWriteOnly(int i) { return firstWritable >= 0 && checkIndex(i) >= firstWritable; }

    /** Index of the first device-writable descriptor, or {@link #descriptorCount()} if there is none. */
    public int firstWritableIndex() { return firstWritable < 0 ? count : firstWritable; }

    public long readableLength() { return readableLength; }

    public long writableLength() { return writableLength; }

    public GuestMemory memory() { return memory; }

    /**
     * Copies up to {@code length} bytes of the device-readable stream starting at {@code offset} into
     * {@code dst}; returns how many were copied (fewer at the end of the stream).
     */
    public int read(long offset, byte[] dst, int dstOffset, int length) {
        return copy(0, firstWritableIndex(), offset, dst, dstOffset, length, false);
    }

    /** Copies up to {@code length} bytes into the device-writable stream at {@code offset}; returns how many. */
    public int write(long offset, byte[] src, int srcOffset, int length) {
        return copy(firstWritableIndex(), count, offset, src, srcOffset, length, true);
    }

    private int copy(int from, int to, long offset, byte[] array, int arrayOffset, int length, boolean toGuest) {
        int done = 0;
        long skip = offset;
        for (int i = from; i < to && done < length; i++) {
            long descLength = Integer.toUnsignedLong(lengths[i]);
            if (skip >= descLength) {
                skip -= descLength;
                continue;
            }
            int n = (int) Math.min(descLength - skip, length - done);
            MemorySegment guest = memory.slice(addresses[i] + skip, n);
            if (toGuest) {
                MemorySegment.copy(array, arrayOffset + done, guest, ValueLayout.JAVA_BYTE, 0, n);
            } else {
                MemorySegment.copy(guest, ValueLayout.JAVA_BYTE, 0, array, arrayOffset + done, n);
            }
            done += n;
            skip = 0;
        }
        return done;
    }

    private int checkIndex(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("descriptor " + i + " of " + count);
        }
        return i;
    }
}
