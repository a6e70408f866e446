package dev.jvmm.core.x86;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GdtTest {
    @Test
    void longModeTableHasBootSelectorsAndA16ByteTss() {
        try (TestMemory t = new TestMemory(1 << 20)) {
            DescriptorTables tables = Gdt.writeLongMode(t.memory);
            assertEquals(0, t.memory.readU64(0x500));
            assertEquals(0, t.memory.readU64(0x508));
            assertEquals(0x00AF9B000000FFFFL, t.memory.readU64(0x500 + 0x10));
            assertEquals(0x00CF93000000FFFFL, t.memory.readU64(0x500 + 0x18));
            assertEquals(0x0000_8B00_0000_0067L, t.memory.readU64(0x500 + 0x20));
            assertEquals(0, t.memory.readU64(0x500 + 0x28), "upper half of the 64-bit TSS descriptor: base 63:32");
            assertEquals(0x500, tables.gdtBase());
            assertEquals(6 * 8 - 1, tables.gdtLimit());
            assertEquals(Layout.IDT_ADDRESS, tables.idtBase());
            assertEquals(0, t.memory.readU64(Layout.IDT_ADDRESS));
        }
    }

    @Test
    void code64SegmentIsLongModeFlat() {
        Segment cs = Segment.fromDescriptor(Gdt.BOOT_CS, Gdt.CODE64_DESCRIPTOR);
        assertEquals(new Segment(0x10, 0, 0xFFFF_FFFFL, 0xB, true, 0, false, true, true, true, false), cs);
    }

    @Test
    void dataSegmentIsFlatReadWrite() {
        Segment ds = Segment.fromDescriptor(Gdt.BOOT_DS, Gdt.DATA_DESCRIPTOR);
        assertEquals(new Segment(0x18, 0, 0xFFFF_FFFFL, 0x3, true, 0, true, true, false, true, false), ds);
    }

    @Test
    void pvhTableHasFlat32BitCodeAndA32BitBusyTss() {
        try (TestMemory t = new TestMemory(1 << 20)) {
            DescriptorTables tables = Gdt.writeProtectedMode(t.memory);
            Segment cs = tables.code();
            assertEquals(0x10, cs.selector());
            assertTrue(cs.db());
            assertFalse(cs.l());
            assertEquals(0xFFFF_FFFFL, cs.limit());
            Segment tr = tables.tr();
            assertEquals(0x20, tr.selector());
            assertEquals(0xB, tr.type(), "busy TSS");
            assertFalse(tr.s());
            assertEquals(0x67, tr.limit());
            assertEquals(0, tr.base());
            assertEquals(5 * 8 - 1, tables.gdtLimit());
            assertEquals(Gdt.CODE32_DESCRIPTOR, t.memory.readU64(0x510));
        }
    }

    @Test
    void descriptorBaseAndByteGranularLimitDecode() {
        // base 0x12345678, limit 0x5_4321 bytes (G=0), P=1, DPL 3, S=1, type 2
        long descriptor = 0x1205_F234_5678_4321L;
        Segment s = Segment.fromDescriptor(0x2B, descriptor);
        assertEquals(0x1234_5678L, s.base());
        assertEquals(0x5_4321L, s.limit());
        assertEquals(3, s.dpl());
        assertEquals(2, s.type());
        assertFalse(s.g());
    }

    @Test
    void realModeSegmentsStartAtZero() {
        assertEquals(0, Gdt.realModeCode().base());
        assertEquals(0, Gdt.realModeCode().selector());
        assertEquals(0xFFFF, Gdt.realModeData().limit());
    }
}
