package dev.jvmm.core.boot;

import dev.jvmm.core.x86.Layout;

import java.util.ArrayList;
import java.util.List;

/**
 * The guest's physical memory map as the BIOS e820 call would report it (zero-page.rst e820_table; the PVH memmap
 * uses the same entries): RAM below the EBDA, the EBDA-to-1 MiB legacy area reserved (EBDA with the MP table, VGA
 * hole, BIOS area at 0xF0000), RAM from 1 MiB to the MMIO hole and RAM above 4 GiB.
 */
public final class E820Map {
    public static final int E820_RAM = 1;
    public static final int E820_RESERVED = 2;
    /** E820_MAX_ENTRIES_ZEROPAGE. */
    public static final int MAX_ENTRIES = 128;
    public static final int ENTRY_SIZE = 20;

    public record Entry(long addr, long size, int type) {
        public long end() { return addr + size; }
    }

    private final List<Entry> entries;

    private E820Map(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static E820Map forMemory(long memorySize) {
        long lowEnd = Layout.lowRamEnd(memorySize);
        List<Entry> entries = new ArrayList<>(4);
        entries.add(new Entry(0, Layout.EBDA_START, E820_RAM));
        entries.add(new Entry(Layout.EBDA_START, Layout.KERNEL_START - Layout.EBDA_START, E820_RESERVED));
        if (lowEnd > Layout.KERNEL_START) {
            entries.add(new Entry(Layout.KERNEL_START, lowEnd - Layout.KERNEL_START, E820_RAM));
        }
        if (memorySize > Layout.MMIO_HOLE_START) {
            entries.add(new Entry(Layout.MMIO_HOLE_END, memorySize - Layout.MMIO_HOLE_START, E820_RAM));
        }
        return new E820Map(entries);
    }

    public List<Entry> entries() { return entries; }

    /** Total bytes of {@link #E820_RAM} entries. */
    public long ramSize() {
        return entries.stream().filter(e -> e.type() == E820_RAM).mapToLong(Entry::size).sum();
    }
}
