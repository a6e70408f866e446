package dev.jvmm.core.x86.acpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvmm.core.x86.Layout;
import dev.jvmm.core.x86.TestMemory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tables against ACPI 6.5 §5.2, and against ACPICA's own disassembler (iasl) where it is installed. */
class AcpiTablesTest {
    private static final List<MmioDeviceDescription> TWO_DEVICES = List.of(
            new MmioDeviceDescription(0xD000_0000L, 0x1000, 5), new MmioDeviceDescription(0xD000_1000L, 0x1000, 6));

    @TempDir
    Path dir;

    @Test
    void rsdpIsFoundByTheLegacyScanAndPointsAtAnXsdtListingFadtAndMadt() {
        try (TestMemory t = new TestMemory(2 << 20)) {
            long rsdp = AcpiTables.write(t.memory, 2, TWO_DEVICES);
            assertEquals(0xE0000, rsdp);
            assertTrue(rsdp % 16 == 0 && rsdp >= 0xE0000 && rsdp < 0x100000, "Linux scans 0xE0000-0xFFFFF by 16");
            byte[] r = t.memory.read(rsdp, 36);
            assertEquals("RSD PTR ", new String(r, 0, 8, StandardCharsets.US_ASCII));
            assertEquals(0, sum(r, 20), "checksum of the ACPI 1.0 part");
            assertEquals(0, sum(r, 36), "extended checksum");
            assertEquals(2, r[15]);
            long xsdt = t.memory.readU64(rsdp + 24);
            assertTable(t, xsdt, "XSDT");
            assertEquals(36 + 16, t.memory.readU32(xsdt + 4));
            long fadt = t.memory.readU64(xsdt + 36);
            long madt = t.memory.readU64(xsdt + 44);
            assertTable(t, fadt, "FACP");
            assertTable(t, madt, "APIC");
            long dsdt = t.memory.readU64(fadt + 140);
            assertEquals(dsdt, Integer.toUnsignedLong(t.memory.readU32(fadt + 40)), "DSDT and X_DSDT agree");
            assertTable(t, dsdt, "DSDT");
            assertTrue(dsdt > Layout.EBDA_END && madt + t.memory.readU32(madt + 4) <= Layout.BIOS_AREA_START,
                    "between the MP table in the EBDA and the BIOS area");
        }
    }

    @Test
    void fadtDescribesAHardwareReducedPlatformThatPowersOffThroughItsSleepControlPort() {
        byte[] f = AcpiTables.fadt(0xE0040);
        assertEquals(276, f.length);
        assertEquals(6, f[8]);
        assertEquals(5, f[131], "FADT minor version");
        int flags = u32(f, 112);
        assertTrue((flags & 1 << 20) != 0, "HW_REDUCED_ACPI");
        assertEquals(0b110, u16(f, 109), "8042 present, no VGA");
        // SLEEP_CONTROL_REG / SLEEP_STATUS_REG: system I/O, 8 bits, byte access
        assertArrayEquals(new byte[] {1, 8, 0, 1, (byte) 0xc0, 3, 0, 0, 0, 0, 0, 0}, slice(f, 244, 12));
        assertArrayEquals(new byte[] {1, 8, 0, 1, (byte) 0xc1, 3, 0, 0, 0, 0, 0, 0}, slice(f, 256, 12));
        assertEquals(0x34, AcpiTables.POWER_OFF_VALUE, "SLP_TYP 5 << 2 | SLP_EN");
    }

    @Test
    void madtListsEveryCpuTheIoApicAndLint1AsNmi() {
        byte[] m = AcpiTables.madt(3);
        assertEquals(0xFEE0_0000L, Integer.toUnsignedLong(u32(m, 36)));
        int at = 44;
        for (int id = 0; id < 3; id++) {
            assertArrayEquals(new byte[] {0, 8, (byte) id, (byte) id, 1, 0, 0, 0}, slice(m, at, 8));
            at += 8;
        }
        assertArrayEquals(new byte[] {1, 12, 3, 0}, slice(m, at, 4), "I/O APIC with id n");
        assertEquals(0xFEC0_0000L, Integer.toUnsignedLong(u32(m, at + 4)));
        assertEquals(0, u32(m, at + 8), "GSI base");
        at += 12;
        assertArrayEquals(new byte[] {4, 6, (byte) 0xff, 0, 0, 1}, slice(m, at, 6));
        assertEquals(m.length, at + 6);
    }

    @Test
    void amlPackageLengthsUseOneToFourBytes() {
        assertArrayEquals(new byte[] {0x3f}, Aml.pkgLength(62));
        assertArrayEquals(new byte[] {0x41, 0x04}, Aml.pkgLength(63), "64 total: 0x40 | low nibble 0, then 0x04");
        byte[] two = Aml.pkgLength(5000);
        assertEquals(0x80, two[0] & 0xc0);
        assertEquals(5000 + 3, (two[0] & 0xf) | (two[1] & 0xff) << 4 | (two[2] & 0xff) << 12);
        assertArrayEquals(new byte[] {Aml.BYTE_PREFIX, 5}, Aml.integer(5));
        assertArrayEquals(new byte[] {Aml.DWORD_PREFIX, 0, 0, 0, (byte) 0xd0}, Aml.integer(0xD000_0000L));
        assertThrows(IllegalArgumentException.class, () -> Aml.nameSeg("bad"));
    }

    @Test
    void moreCpusThanXApicIdsOrDevicesThatDoNotFitAreRefused() {
        try (TestMemory t = new TestMemory(2 << 20)) {
            assertThrows(IllegalArgumentException.class, () -> AcpiTables.write(t.memory, 255, List.of()));
            List<MmioDeviceDescription> many = java.util.stream.IntStream.range(0, 4000)
                    .mapToObj(i -> new MmioDeviceDescription(0xD000_0000L + i * 0x1000L, 0x1000, 5)).toList();
            assertThrows(IllegalArgumentException.class, () -> AcpiTables.write(t.memory, 1, many));
        }
    }

    @Test
    void acpicaDisassemblesTheDsdtIntoS5AndTheVirtioDevices() throws Exception {
        String dsl = disassemble("dsdt", AcpiTables.dsdt(TWO_DEVICES));
        assertTrue(dsl.contains("Name (_S5, Package (0x04)"), dsl);
        assertTrue(dsl.contains("Device (V000)") && dsl.contains("Device (V001)"), dsl);
        assertTrue(dsl.contains("Name (_HID, \"LNRO0005\")"), dsl);
        assertTrue(dsl.contains("0xD0001000") && dsl.contains("0x00000006"), dsl);
        assertTrue(dsl.contains("Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive"), dsl);
        // The legacy devices whose ISA IRQs Linux maps only through ACPI on a hardware-reduced platform
        assertTrue(dsl.contains("Name (_HID, \"PNP0501\"") && dsl.contains("0x03F8") && dsl.replaceAll("\\s+", " ").contains("IRQNoFlags () {4}"), dsl);
        assertTrue(dsl.contains("Name (_HID, \"PNP0303\"") && dsl.contains("{1}"), dsl);
        assertTrue(dsl.contains("Name (_HID, \"PNP0B00\"") && dsl.contains("{8}"), dsl);
    }

    @Test
    void acpicaReadsTheFadtAndMadtWithoutComplaint() throws Exception {
        String fadt = disassemble("fadt", AcpiTables.fadt(0xE0040));
        assertTrue(fadt.contains("Hardware Reduced (V5) : 1"), fadt);
        assertTrue(fadt.contains("Sleep Control Register"), fadt);
        String madt = disassemble("madt", AcpiTables.madt(2));
        assertTrue(madt.contains("[Local APIC NMI]"), madt);
        assertTrue(madt.contains("I/O Apic ID : 02"), madt);
    }

    private String disassemble(String name, byte[] table) throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/iasl")), "iasl missing (apt-get install acpica-tools)");
        Path aml = dir.resolve(name + ".aml");
        Files.write(aml, table);
        Process p = new ProcessBuilder("iasl", "-d", aml.toString()).directory(dir.toFile())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), log);
        String dsl = Files.readString(dir.resolve(name + ".dsl"));
        assertTrue(!dsl.contains("Invalid") && !dsl.contains("**** "), dsl);
        return dsl;
    }

    private static void assertTable(TestMemory t, long address, String signature) {
        int length = t.memory.readU32(address + 4);
        byte[] b = t.memory.read(address, length);
        assertEquals(signature, new String(b, 0, 4, StandardCharsets.US_ASCII));
        assertEquals(0, sum(b, length), signature + " checksum");
    }

    private static int sum(byte[] b, int length) {
        int s = 0;
        for (int i = 0; i < length; i++) {
            s += b[i];
        }
        return s & 0xff;
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    private static int u32(byte[] b, int at) {
        return u16(b, at) | u16(b, at + 2) << 16;
    }

    private static byte[] slice(byte[] b, int at, int n) {
        byte[] s = new byte[n];
        System.arraycopy(b, at, s, 0, n);
        return s;
    }
}
