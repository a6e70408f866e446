package dev.jvmm.core.boot;

import dev.jvmm.core.x86.Layout;
import dev.jvmm.core.x86.RamRegion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class E820MapTest {
    @ParameterizedTest
    @ValueSource(longs = {64L << 20, 128L << 20, 3584L << 20, 5L << 30})
    void mapIsSortedDisjointAndMatchesGuestRam(long memorySize) {
        List<E820Map.Entry> entries = E820Map.forMemory(memorySize).entries();
        for (int i = 1; i < entries.size(); i++) {
            assertTrue(entries.get(i - 1).end() <= entries.get(i).addr(), "sorted and disjoint");
        }
        for (E820Map.Entry e : entries) {
            if (e.type() == E820Map.E820_RAM) {
                assertTrue(Layout.ramRegions(memorySize).stream()
                        .anyMatch(r -> r.guestAddress() <= e.addr() && e.end() <= r.end()), "RAM entry is backed");
            }
            assertTrue(e.addr() >= Layout.MMIO_HOLE_END || e.end() <= Layout.MMIO_HOLE_START, "nothing in the hole");
        }
        assertEquals(memorySize - (Layout.KERNEL_START - Layout.EBDA_START), E820Map.forMemory(memorySize).ramSize());
        assertEquals(new E820Map.Entry(0, 0x9FC00, E820Map.E820_RAM), entries.get(0));
        assertEquals(new E820Map.Entry(0x9FC00, 0x100000 - 0x9FC00, E820Map.E820_RESERVED), entries.get(1));
        assertEquals(0x100000, entries.get(2).addr());
    }

    @ParameterizedTest
    @ValueSource(longs = {64L << 20, 3072L << 20})
    void smallGuestHasNoHighRam(long memorySize) {
        List<E820Map.Entry> entries = E820Map.forMemory(memorySize).entries();
        assertEquals(3, entries.size());
        assertEquals(memorySize, entries.get(2).end());
    }

    @ParameterizedTest
    @ValueSource(longs = {3584L << 20, 5L << 30})
    void largeGuestContinuesAtFourGiB(long memorySize) {
        List<E820Map.Entry> entries = E820Map.forMemory(memorySize).entries();
        assertEquals(4, entries.size());
        assertEquals(Layout.MMIO_HOLE_START, entries.get(2).end());
        assertEquals(new E820Map.Entry(0x1_0000_0000L, memorySize - 0xC000_0000L, E820Map.E820_RAM), entries.get(3));
        RamRegion high = Layout.ramRegions(memorySize).get(1);
        assertEquals(high.end(), entries.get(3).end());
    }
}
