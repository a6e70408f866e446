package dev.jvmm.core.boot;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class InitrdPlacementTest {
    private static final long MIB = 1 << 20;

    @Test
    void placesInitrdAtTheTopOfLowRamPageAligned() {
        assertEquals(64 * MIB - 0x2000, InitrdPlacement.place(0x1800, 0x7FFF_FFFF, 20 * MIB, 64 * MIB));
    }

    @Test
    void honoursInitrdAddrMax() {
        long address = InitrdPlacement.place(MIB, 0x37FF_FFFF, 20 * MIB, 2048 * MIB);
        assertEquals(0x3800_0000L - MIB, address);
    }

    @Test
    void staysBelowTheHoleForLargeGuests() {
        assertEquals(0xC000_0000L - MIB, InitrdPlacement.place(MIB, 0xFFFF_FFFFL, 20 * MIB, 8192 * MIB));
    }

    @Test
    void refusesInitrdThatOverlapsTheKernel() {
        BootException e = assertThrows(BootException.class,
                () -> InitrdPlacement.place(45 * MIB, 0x7FFF_FFFF, 20 * MIB, 64 * MIB));
        assertEquals("initrd of 47185920 bytes does not fit between the kernel end 0x1400000 and 0x4000000"
                + " (initrd_addr_max and low RAM)", e.getMessage());
    }

    @Test
    void refusesInitrdLargerThanMemory() {
        assertThrows(BootException.class, () -> InitrdPlacement.place(128 * MIB, 0x7FFF_FFFF, 2 * MIB, 64 * MIB));
        assertThrows(BootException.class, () -> InitrdPlacement.place(0, 0x7FFF_FFFF, 2 * MIB, 64 * MIB));
    }
}
