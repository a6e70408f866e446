package dev.jvmm.core.x86;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayoutTest {
    @Test
    void memoryBelowTheHoleIsOneRegionFromZero() {
        assertEquals(List.of(new RamRegion(0, 128L << 20)), Layout.ramRegions(128L << 20));
        assertEquals(List.of(new RamRegion(0, 0xC000_0000L)), Layout.ramRegions(0xC000_0000L));
    }

    @Test
    void memoryBeyondTheHoleContinuesAtFourGiB() {
        long fiveGiB = 5L << 30;
        assertEquals(List.of(new RamRegion(0, 0xC000_0000L), new RamRegion(0x1_0000_0000L, fiveGiB - 0xC000_0000L)),
                Layout.ramRegions(fiveGiB));
        assertEquals(0xC000_0000L, Layout.lowRamEnd(fiveGiB));
    }

    @Test
    void rejectsUnalignedOrTinyMemory() {
        assertThrows(IllegalArgumentException.class, () -> Layout.ramRegions(0));
        assertThrows(IllegalArgumentException.class, () -> Layout.ramRegions(0x80000));
        assertThrows(IllegalArgumentException.class, () -> Layout.ramRegions((64L << 20) + 1));
    }

    @Test
    void bootStructuresDoNotOverlap() {
        long[][] ranges = {
                {Layout.GDT_ADDRESS, Layout.IDT_ADDRESS},
                {Layout.IDT_ADDRESS, Layout.IDT_ADDRESS + Layout.IDT_SIZE},
                {Layout.PVH_START_INFO_ADDRESS, Layout.PVH_MODLIST_ADDRESS},
                {Layout.PVH_MODLIST_ADDRESS, Layout.PVH_MEMMAP_ADDRESS},
                {Layout.PVH_MEMMAP_ADDRESS, Layout.PVH_MEMMAP_ADDRESS + Layout.PVH_MEMMAP_MAX_ENTRIES * 24L},
                {Layout.ZERO_PAGE_ADDRESS, Layout.ZERO_PAGE_ADDRESS + 0x1000},
                {Layout.BOOT_STACK_POINTER - 0x800, Layout.BOOT_STACK_POINTER},
                {Layout.PML4_ADDRESS, Layout.PAGE_TABLES_END},
                {Layout.CMDLINE_ADDRESS, Layout.CMDLINE_ADDRESS + Layout.CMDLINE_MAX_SIZE},
                {Layout.EBDA_START, Layout.EBDA_END},
                {Layout.KERNEL_START, Layout.KERNEL_START + 1},
        };
        for (int i = 0; i < ranges.length; i++) {
            for (int j = i + 1; j < ranges.length; j++) {
                assertTrue(ranges[i][1] <= ranges[j][0], "range " + i + " overlaps range " + j);
            }
        }
    }

    @Test
    void platformDevicesLieInTheHole() {
        for (long address : new long[] {Layout.IOAPIC_ADDRESS, Layout.LAPIC_ADDRESS, Layout.KVM_TSS_ADDRESS,
                Layout.KVM_IDENTITY_MAP_ADDRESS, Layout.virtioMmioAddress(0)}) {
            assertTrue(address >= Layout.MMIO_HOLE_START && address < Layout.MMIO_HOLE_END);
        }
        assertEquals(Layout.KVM_TSS_ADDRESS, Layout.KVM_IDENTITY_MAP_ADDRESS + 0x1000);
    }

    @Test
    void virtioWindowsAreFourKiBApart() {
        assertEquals(0xD000_0000L, Layout.virtioMmioAddress(0));
        assertEquals(0xD000_3000L, Layout.virtioMmioAddress(3));
        assertThrows(IllegalArgumentException.class, () -> Layout.virtioMmioAddress(-1));
        assertThrows(IllegalArgumentException.class, () -> Layout.virtioMmioAddress(0x10000));
    }

    @Test
    void virtioGsisStartAtFiveAndStayClearOfTheLegacyIrqs() {
        List<Integer> gsis = new java.util.ArrayList<>();
        for (int i = 0; i < Layout.VIRTIO_MAX_DEVICES; i++) {
            gsis.add(Layout.virtioGsi(i));
        }
        assertEquals(List.of(5, 6, 7, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23), gsis);
        assertEquals(MpTable.IRQ_COUNT, Layout.IOAPIC_PINS, "every GSI is an I/O APIC pin listed in the MP table");
        for (int legacy : new int[] {0, 1, 4, 8, 12}) { // PIT, keyboard, COM1, RTC, i8042 AUX
            assertTrue(!gsis.contains(legacy), "GSI " + legacy);
        }
        assertThrows(IllegalArgumentException.class, () -> Layout.virtioGsi(Layout.VIRTIO_MAX_DEVICES));
        assertThrows(IllegalArgumentException.class, () -> Layout.virtioGsi(-1));
    }

    @Test
    void virtioWindowsArePagesInTheMmioHoleClearOfTheApics() {
        for (int i = 0; i < Layout.VIRTIO_MAX_DEVICES; i++) {
            long base = Layout.virtioMmioAddress(i);
            assertEquals(0xD000_0000L + 0x1000L * i, base);
            assertTrue(base >= Layout.MMIO_HOLE_START && base + Layout.VIRTIO_MMIO_SIZE <= Layout.IOAPIC_ADDRESS);
        }
        assertThrows(IllegalArgumentException.class, () -> Layout.virtioMmioAddress(-1));
    }
}
