package dev.jvmm.devices.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link GuestMemory#region}: the region holding a whole range, or the same refusal as every other access. */
class GuestMemoryRegionTest {
    private final GuestRegion low = new GuestRegion(0x0, MemorySegment.ofArray(new byte[0x1000]));
    private final GuestRegion high = new GuestRegion(0x3000, MemorySegment.ofArray(new byte[0x1000]));
    private final GuestMemory mem = GuestMemory.of(List.of(high, low));

    @Test
    void findsTheRegionHoldingTheWholeRange() {
        assertSame(low, mem.region(0, 0x1000));
        assertSame(high, mem.region(0x3800, 0x800));
        assertSame(high, mem.region(0x3fff, 1));
        mem.region(0x3010, 4).segment().set(ValueLayout.JAVA_BYTE, 0x10, (byte) 0x5a);
        assertEquals(0x5a, mem.readU8(0x3010));
    }

    @Test
    void refusesRangesOutsideOrAcrossRegions() {
        assertThrows(GuestMemoryException.class, () -> mem.region(0xfff, 2));
        assertThrows(GuestMemoryException.class, () -> mem.region(0x1000, 1));
        assertThrows(GuestMemoryException.class, () -> mem.region(0x3fff, 2));
        assertThrows(GuestMemoryException.class, () -> mem.region(-1, 1));
        assertThrows(GuestMemoryException.class, () -> mem.region(0, -1));
    }
}
