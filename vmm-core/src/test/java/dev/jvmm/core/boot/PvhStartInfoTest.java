package dev.jvmm.core.boot;

import dev.jvmm.core.x86.TestMemory;
import dev.jvmm.devices.memory.GuestMemory;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Offsets of struct hvm_start_info, hvm_modlist_entry and hvm_memmap_table_entry (start_info.h). */
class PvhStartInfoTest {
    @Test
    void writesStartInfoWithModuleAndMemoryMap() {
        try (TestMemory t = new TestMemory(1 << 20)) {
            GuestMemory m = t.memory;
            long info = PvhStartInfo.write(m, 0x20000, 0x3F00000, 0x4321, E820Map.forMemory(5L << 30));
            assertEquals(0x6000, info);
            assertEquals(0x336ec578, m.readU32(info));
            assertEquals(1, m.readU32(info + 4), "version");
            assertEquals(0, m.readU32(info + 8), "flags");
            assertEquals(1, m.readU32(info + 12), "nr_modules");
            long modlist = m.readU64(info + 16);
            assertEquals(0x20000, m.readU64(info + 24), "cmdline_paddr");
            assertEquals(0, m.readU64(info + 32), "rsdp_paddr");
            long memmap = m.readU64(info + 40);
            assertEquals(4, m.readU32(info + 48), "memmap_entries");
            assertEquals(0x3F00000, m.readU64(modlist));
            assertEquals(0x4321, m.readU64(modlist + 8));
            assertEquals(0, m.readU64(modlist + 16), "module cmdline_paddr");
            assertEquals(0, m.readU64(memmap), "entry 0 addr");
            assertEquals(0x9FC00, m.readU64(memmap + 8));
            assertEquals(1, m.readU32(memmap + 16));
            assertEquals(2, m.readU32(memmap + 24 + 16), "entry 1 reserved");
            assertEquals(0x1_0000_0000L, m.readU64(memmap + 3 * 24));
            assertEquals((5L << 30) - 0xC000_0000L, m.readU64(memmap + 3 * 24 + 8));
        }
    }

    @Test
    void noInitrdMeansNoModules() {
        try (TestMemory t = new TestMemory(1 << 20)) {
            long info = PvhStartInfo.write(t.memory, 0x20000, 0, 0, E820Map.forMemory(64L << 20));
            assertEquals(0, t.memory.readU32(info + 12));
            assertEquals(0, t.memory.readU64(info + 16));
            assertEquals(3, t.memory.readU32(info + 48));
        }
    }
}
