package dev.jvmm.devices.memory;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuestMemoryTest {
    /** Two regions around a hole, as RAM around the 32-bit MMIO gap: [0x0, 0x1000) and [0x3000, 0x4000). */
    private final GuestMemory mem = GuestMemory.of(List.of(
            new GuestRegion(0x3000, MemorySegment.ofArray(new byte[0x1000])),
            new GuestRegion(0x0, MemorySegment.ofArray(new byte[0x1000]))));

    @Test
    void writesAndReadsLittleEndianValues() {
        mem.writeU64(0x10, 0x0807060504030201L);
        assertEquals(0x01, mem.readU8(0x10));
        assertEquals(0x0201, mem.readU16(0x10));
        assertEquals(0x04030201, mem.readU32(0x10));
        assertEquals(0x0807060504030201L, mem.readU64(0x10));
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, mem.read(0x10, 8));
        mem.writeU16(0x3002, (short) 0xbeef);
        assertEquals((byte) 0xef, mem.readU8(0x3002));
        mem.writeU32(0x3ffc, 0xcafef00d);
        assertEquals(0xcafef00d, mem.readU32(0x3ffc));
        mem.writeU8(0x3fff, (byte) 0x7f);
        assertEquals(0x7f, mem.readU8(0x3fff));
    }

    @Test
    void copiesByteArraysAndSegmentsInAndOut() {
        mem.write(0x3100, new byte[] {9, 8, 7});
        assertArrayEquals(new byte[] {9, 8, 7}, mem.read(0x3100, 3));
        mem.write(0x200, MemorySegment.ofArray(new byte[] {4, 5}));
        assertArrayEquals(new byte[] {4, 5}, mem.read(0x200, 2));
        mem.fill(0x300, 4, (byte) 0xaa);
        assertEquals(0xaaaaaaaa, mem.readU32(0x300));
    }

    @Test
    void sliceReachesGuestMemoryAndIsBoundedToTheRange() {
        MemorySegment s = mem.slice(0x3010, 4);
        assertEquals(4, s.byteSize());
        s.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x55);
        assertEquals(0x55, mem.readU8(0x3010));
        assertThrows(IndexOutOfBoundsException.class, () -> s.get(ValueLayout.JAVA_BYTE, 4));
    }

    @Test
    void acceptsAccessesEndingExactlyAtARegionEnd() {
        assertTrue(mem.contains(0xff8, 8));
        mem.writeU64(0xff8, -1L);
        assertEquals(0, mem.slice(0x1000, 0).byteSize(), "an empty range at the end is inside");
    }

    @Test
    void reportsRegionsInAddressOrderAndTotalSize() {
        assertEquals(0x0, mem.regions().get(0).guestAddress());
        assertEquals(0x3000, mem.regions().get(1).guestAddress());
        assertEquals(0x2000, mem.totalSize());
    }

    @Test
    void refusesAccessesInTheHoleAndBeyondTheEnd() {
        assertThrows(GuestMemoryException.class, () -> mem.readU8(0x1000));
        assertThrows(GuestMemoryException.class, () -> mem.readU8(0x2fff));
        assertThrows(GuestMemoryException.class, () -> mem.readU8(0x4000));
        assertThrows(GuestMemoryException.class, () -> mem.writeU32(0x3ffd, 0));
        assertThrows(GuestMemoryException.class, () -> mem.readU64(0xffc));
    }

    @Test
    void refusesRangesStraddlingTwoRegions() {
        GuestMemory adjacent = GuestMemory.of(List.of(
                new GuestRegion(0x0, MemorySegment.ofArray(new byte[0x1000])),
                new GuestRegion(0x1000, MemorySegment.ofArray(new byte[0x1000]))));
        assertThrows(GuestMemoryException.class, () -> adjacent.readU32(0xffe));
        assertThrows(GuestMemoryException.class, () -> adjacent.slice(0x800, 0x1000));
        assertFalse(adjacent.contains(0xfff, 2));
        assertTrue(adjacent.contains(0x1000, 2));
    }

    @Test
    void refusesOverflowingAddressesAndLengths() {
        assertThrows(GuestMemoryException.class, () -> mem.readU8(Long.MAX_VALUE));
        assertThrows(GuestMemoryException.class, () -> mem.readU64(Long.MAX_VALUE - 3));
        assertThrows(GuestMemoryException.class, () -> mem.readU8(-1L));
        assertThrows(GuestMemoryException.class, () -> mem.readU8(Long.MIN_VALUE));
        assertThrows(GuestMemoryException.class, () -> mem.slice(0x10, -1));
        assertThrows(GuestMemoryException.class, () -> mem.read(0x10, -1));
        assertThrows(GuestMemoryException.class, () -> mem.slice(0x10, Long.MAX_VALUE));
        assertThrows(GuestMemoryException.class, () -> mem.slice(0x3010, Long.MAX_VALUE - 0x3000));
        assertThrows(GuestMemoryException.class, () -> mem.fill(0xfff, -0xfffL, (byte) 0));
        assertFalse(mem.contains(Long.MAX_VALUE, 1));
        assertFalse(mem.contains(0x3000, -1));
    }

    @Test
    void exceptionCarriesTheFailedRange() {
        GuestMemoryException e = assertThrows(GuestMemoryException.class, () -> mem.slice(0x5000, 16));
        assertEquals(0x5000, e.address());
        assertEquals(16, e.length());
        assertTrue(e.getMessage().contains("0x5000"));
    }

    @Test
    void rejectsOverlappingRegions() {
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.of(List.of(
                new GuestRegion(0x0, MemorySegment.ofArray(new byte[0x1000])),
                new GuestRegion(0xfff, MemorySegment.ofArray(new byte[0x10])))));
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.of(List.of(
                new GuestRegion(0x100, MemorySegment.ofArray(new byte[0x10])),
                new GuestRegion(0x0, MemorySegment.ofArray(new byte[0x1000])))));
    }

    @Test
    void rejectsNoRegionsAndBadRegions() {
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.of(List.of()));
        assertThrows(IllegalArgumentException.class, () -> new GuestRegion(-1, MemorySegment.ofArray(new byte[1])));
        assertThrows(IllegalArgumentException.class, () -> new GuestRegion(0, MemorySegment.ofArray(new byte[0])));
        assertThrows(IllegalArgumentException.class,
                () -> new GuestRegion(Long.MAX_VALUE, MemorySegment.ofArray(new byte[2])));
    }
}
