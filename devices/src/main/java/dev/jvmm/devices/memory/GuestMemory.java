package dev.jvmm.devices.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The guest's physical memory as seen by the VMM: a sorted set of non-overlapping {@link GuestRegion}s. Every
 * access names a guest-physical address and is checked against the regions, so a guest-supplied address can
 * only ever reach guest RAM; anything else throws {@link GuestMemoryException}. Multi-byte values are
 * little-endian (x86). Accesses that straddle two regions are refused: guest RAM regions are separated by
 * the MMIO hole, so such an access is a guest bug.
 */
public final class GuestMemory {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GuestRegion[] regions;
    private final long[] starts;
    private final long totalSize;

    private GuestMemory(GuestRegion[] regions) {
        this.regions = regions;
        this.starts = new long[regions.length];
        long total = 0;
        for (int i = 0; i < regions.length; i++) {
            starts[i] = regions[i].guestAddress();
            total += regions[i].size();
        }
        this.totalSize = total;
    }

    /** Guest memory made of {@code regions}, which must not overlap. */
    public static GuestMemory of(List<GuestRegion> regions) {
        if (regions.isEmpty()) {
            throw new IllegalArgumentException("guest memory needs at least one region");
        }
        List<GuestRegion> sorted = new ArrayList<>(regions);
        sorted.sort(Comparator.comparingLong(GuestRegion::guestAddress));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).guestAddress() < sorted.get(i - 1).end()) {
                throw new IllegalArgumentException("guest regions overlap at 0x"
                        + Long.toHexString(sorted.get(i).guestAddress()));
            }
        }
        return new GuestMemory(sorted.toArray(GuestRegion[]::new));
    }

    public List<GuestRegion> regions() { return List.of(regions); }

    /** Bytes of guest RAM in all regions. */
    public long totalSize() { return totalSize; }

    /** Whether {@code [address, address + length)} lies inside one region (length 0 counts as inside). */
    public boolean contains(long address, long length) {
        return regionIndex(address, length) >= 0;
    }

    /**
     * The host view of {@code [address, address + length)}: a slice of the backing segment, so reads and writes
     * through it reach guest memory directly and stay within the checked range.
     */
    public MemorySegment slice(long address, long length) {
        int i = checkedRegion(address, length);
        return regions[i].segment().asSlice(address - starts[i], length);
    }

    /**
     * The region holding all of {@code [address, address + length)}, for hot paths that must not allocate a slice:
     * the range is {@code [address - guestAddress(), +length)} of the region's segment.
     */
    public GuestRegion region(long address, long length) {
        return regions[checkedRegion(address, length)];
    }

    public byte readU8(long address) {
        int i = checkedRegion(address, 1);
        return regions[i].segment().get(ValueLayout.JAVA_BYTE, address - starts[i]);
    }

    public short readU16(long address) {
        int i = checkedRegion(address, 2);
        return regions[i].segment().get(U16, address - starts[i]);
    }

    public int readU32(long address) {
        int i = checkedRegion(address, 4);
        return regions[i].segment().get(U32, address - starts[i]);
    }

    public long readU64(long address) {
        int i = checkedRegion(address, 8);
        return regions[i].segment().get(U64, address - starts[i]);
    }

    public void writeU8(long address, byte value) {
        int i = checkedRegion(address, 1);
        regions[i].segment().set(ValueLayout.JAVA_BYTE, address - starts[i], value);
    }

    public void writeU16(long address, short value) {
        int i = checkedRegion(address, 2);
        regions[i].segment().set(U16, address - starts[i], value);
    }

    public void writeU32(long address, int value) {
        int i = checkedRegion(address, 4);
        regions[i].segment().set(U32, address - starts[i], value);
    }

    public void writeU64(long address, long value) {
        int i = checkedRegion(address, 8);
        regions[i].segment().set(U64, address - starts[i], value);
    }

    /** Copies {@code bytes} into guest memory at {@code address}. */
    public void write(long address, byte[] bytes) {
        MemorySegment.copy(bytes, 0, slice(address, bytes.length), ValueLayout.JAVA_BYTE, 0, bytes.length);
    }

    /** Copies {@code source} into guest memory at {@code address}. */
    public void write(long address, MemorySegment source) {
        MemorySegment.copy(source, 0, slice(address, source.byteSize()), 0, source.byteSize());
    }

    /** Reads {@code length} bytes of guest memory at {@code address}. */
    public byte[] read(long address, int length) {
        return slice(address, length).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Fills {@code [address, address + length)} with {@code value}. */
    public void fill(long address, long length, byte value) {
        slice(address, length).fill(value);
    }

    private int checkedRegion(long address, long length) {
        int i = regionIndex(address, length);
        if (i < 0) {
            throw new GuestMemoryException(address, length);
        }
        return i;
    }

    /** Index of the region holding the whole range, or -1; overflow-safe for any 64-bit address and length. */
    private int regionIndex(long address, long length) {
        if (address < 0 || length < 0) {
            return -1;
        }
        int lo = 0;
        int hi = starts.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (starts[mid] <= address) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (hi < 0) {
            return -1;
        }
        long offset = address - starts[hi];
        return length <= regions[hi].size() - offset ? hi : -1;
    }
}
