package dev.jvmm.core.x86;

import dev.jvmm.devices.memory.GuestMemory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reads the tables back the way an MP-aware OS does (MP spec 1.4 §4, Linux arch/x86/kernel/mpparse.c). */
class MpTableTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void tablesParseWithValidChecksums(int cpus) {
        try (TestMemory t = new TestMemory(1 << 20)) {
            GuestMemory m = t.memory;
            MpTable.write(m, cpus);
            long floating = scanForFloatingPointer(m);
            assertEquals(Layout.EBDA_START, floating);
            assertEquals(0, sum(m, floating, 16), "floating pointer checksum");
            assertEquals(1, m.readU8(floating + 8), "length in paragraphs");
            assertEquals(4, m.readU8(floating + 9), "spec revision 1.4");
            assertEquals(0, m.readU8(floating + 11), "feature byte 1: config table present");
            long table = Integer.toUnsignedLong(m.readU32(floating + 4));
            assertEquals("PCMP", ascii(m, table, 4));
            int length = Short.toUnsignedInt(m.readU16(table + 4));
            assertEquals(MpTable.size(cpus) - 16, length);
            assertEquals(0, sum(m, table, length), "base table checksum");
            assertEquals(4, m.readU8(table + 6));
            assertEquals(0xFEE0_0000, m.readU32(table + 36), "local APIC address");
            int entries = Short.toUnsignedInt(m.readU16(table + 34));
            assertEquals(cpus + 1 + 1 + 24 + 2, entries);

            long p = table + 44;
            int processors = 0, buses = 0, ioapics = 0, ioInts = 0, localInts = 0;
            for (int i = 0; i < entries; i++) {
                int type = m.readU8(p);
                switch (type) {
                    case 0 -> {
                        assertEquals(processors, m.readU8(p + 1), "APIC ids 0..n-1");
                        int flags = m.readU8(p + 3);
                        assertEquals(processors == 0 ? 3 : 1, flags, "EN, and BP on the first");
                        processors++;
                        p += 20;
                    }
                    case 1 -> {
                        assertEquals("ISA   ", ascii(m, p + 2, 6));
                        buses++;
                        p += 8;
                    }
                    case 2 -> {
                        assertEquals(cpus, m.readU8(p + 1), "I/O APIC id follows the CPUs");
                        assertEquals(0x11, m.readU8(p + 2));
                        assertEquals(1, m.readU8(p + 3));
                        assertEquals(0xFEC0_0000, m.readU32(p + 4));
                        ioapics++;
                        p += 8;
                    }
                    case 3 -> {
                        assertEquals(m.readU8(p + 5), m.readU8(p + 7), "IRQ n on INTIN n");
                        assertEquals(ioInts, m.readU8(p + 5));
                        assertEquals(cpus, m.readU8(p + 6));
                        ioInts++;
                        p += 8;
                    }
                    case 4 -> {
                        assertEquals(localInts == 0 ? 3 : 1, m.readU8(p + 1), "LINT0 ExtINT, LINT1 NMI");
                        assertEquals(localInts, m.readU8(p + 7));
                        localInts++;
                        p += 8;
                    }
                    default -> throw new AssertionError("unknown entry type " + type);
                }
            }
            assertEquals(table + length, p);
            assertEquals(cpus, processors);
            assertEquals(1, buses);
            assertEquals(1, ioapics);
            assertEquals(24, ioInts);
            assertEquals(2, localInts);
        }
    }

    @Test
    void refusesMoreProcessorsThanTheEbdaHolds() {
        try (TestMemory t = new TestMemory(1 << 20)) {
            assertTrue(MpTable.size(MpTable.MAX_CPUS) <= 0x400);
            assertTrue(MpTable.size(MpTable.MAX_CPUS + 1) > 0x400);
            MpTable.write(t.memory, MpTable.MAX_CPUS);
            assertThrows(IllegalArgumentException.class, () -> MpTable.write(t.memory, MpTable.MAX_CPUS + 1));
            assertThrows(IllegalArgumentException.class, () -> MpTable.write(t.memory, 0));
        }
    }

    private static long scanForFloatingPointer(GuestMemory m) {
        for (long a = Layout.EBDA_START; a < Layout.EBDA_END; a += 16) {
            if (ascii(m, a, 4).equals("_MP_")) {
                return a;
            }
        }
        throw new AssertionError("no _MP_ in the EBDA");
    }

    private static int sum(GuestMemory m, long address, int length) {
        int sum = 0;
        for (byte b : m.read(address, length)) {
            sum += b;
        }
        return sum & 0xFF;
    }

    private static String ascii(GuestMemory m, long address, int length) {
        return new String(m.read(address, length), StandardCharsets.US_ASCII);
    }
}
