package dev.jvmm.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PageTablesTest {
    @Test
    void identityMapsFourGiBWithTwoMiBPages() {
        try (TestMemory t = new TestMemory(1 << 20)) {
            ControlRegisters cr = PageTables.writeIdentityMap(t.memory);
            assertEquals(0x9000, cr.cr3());
            assertEquals(0xA000 | 0x3, t.memory.readU64(0x9000));
            assertEquals(0, t.memory.readU64(0x9008));
            for (int i = 0; i < 4; i++) {
                assertEquals((0xB000 + i * 0x1000) | 0x3, t.memory.readU64(0xA000 + i * 8));
            }
            assertEquals(0, t.memory.readU64(0xA000 + 4 * 8));
            assertEquals(0x83, t.memory.readU64(0xB000), "PD[0]: frame 0, PS|RW|P");
            assertEquals(0x20_0000 | 0x83, t.memory.readU64(0xB008));
            assertEquals(0x4000_0000L | 0x83, t.memory.readU64(0xC000), "second PD starts at 1 GiB");
            assertEquals(0xFFE0_0000L | 0x83, t.memory.readU64(0xE000 + 511 * 8), "last 2 MiB below 4 GiB");
        }
    }

    @Test
    void longModeControlBits() {
        ControlRegisters cr = ControlRegisters.longMode(0x9000);
        assertEquals(0x8000_0031L, cr.cr0(), "PG|NE|ET|PE");
        assertEquals(0x20, cr.cr4(), "PAE");
        assertEquals(0x500, cr.efer(), "LMA|LME");
    }

    @Test
    void protectedModeHasPagingOff() {
        ControlRegisters cr = ControlRegisters.protectedMode();
        assertEquals(1, cr.cr0() & 1);
        assertEquals(0, cr.cr0() & ControlRegisters.CR0_PG);
        assertEquals(0, cr.cr4());
        assertEquals(0, cr.efer());
        assertEquals(0x6000_0010L, ControlRegisters.realMode().cr0());
    }
}
