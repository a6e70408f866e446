package dev.jvmm.core.x86.acpi;

import dev.jvmm.core.x86.Layout;
import dev.jvmm.devices.memory.GuestMemory;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The ACPI tables of a jvmm microVM (ACPI 6.5 §5.2), written into the reserved legacy area where Linux finds the
 * RSDP by its scan of 0xE0000-0xFFFFF: RSDP → XSDT → FADT (→ DSDT) and MADT.
 *
 * <p>The platform is "hardware-reduced" (§4.1): no PM1 blocks, no SCI, no FACS. Power-off goes through the FADT's
 * sleep control register, an I/O port the VMM watches ({@link #SLEEP_CONTROL_PORT}); the DSDT's {@code \_S5_}
 * object gives the sleep type the guest writes there. The MADT lists one local APIC per vCPU (APIC ids 0..n-1),
 * the in-kernel I/O APIC and LINT1 as NMI; the DSDT describes each virtio-mmio device ({@code LNRO0005}, the id
 * Linux's virtio_mmio driver matches), so kernels without {@code virtio_mmio.device=} support still find them.
 */
public final class AcpiTables {
    private AcpiTables() {}

    public static final long RSDP_ADDRESS = 0xE0000;
    public static final long TABLES_END = Layout.BIOS_AREA_START;
    /** The FADT's SLEEP_CONTROL_REG and SLEEP_STATUS_REG (one byte each). */
    public static final int SLEEP_CONTROL_PORT = 0x3c0;
    public static final int SLEEP_STATUS_PORT = 0x3c1;
    /** The SLP_TYPx value of {@code \_S5_}: the guest writes {@code SLP_TYP << 2 | SLP_EN} to power off (§4.8.3.7). */
    public static final int S5_SLEEP_TYPE = 5;
    public static final int SLP_EN = 1 << 5;
    public static final int POWER_OFF_VALUE = S5_SLEEP_TYPE << 2 | SLP_EN;

    /** xAPIC ids are 8 bits, 0xFF is broadcast, and the I/O APIC takes id n. */
    public static final int MAX_CPUS = 254;
    static final int RSDP_SIZE = 36;
    static final int FADT_REVISION = 6;
    static final int FADT_MINOR_VERSION = 5;
    static final int FADT_PWR_BUTTON = 1 << 4;
    static final int FADT_SLP_BUTTON = 1 << 5;
    static final int FADT_HW_REDUCED_ACPI = 1 << 20;
    /** IAPC_BOOT_ARCH: an 8042 is present (Linux then keeps probing it for reboot=k), no VGA. */
    static final int IAPC_BOOT_ARCH_8042 = 1 << 1;
    static final int IAPC_BOOT_ARCH_VGA_NOT_PRESENT = 1 << 2;
    static final int MADT_PCAT_COMPAT = 1;

    /**
     * Writes the tables for {@code cpus} vCPUs and {@code devices}; returns the RSDP's address.
     *
     * @throws IllegalArgumentException if they do not fit the area below {@link #TABLES_END}
     */
    public static long write(GuestMemory memory, int cpus, List<MmioDeviceDescription> devices) {
        if (cpus < 1 || cpus > MAX_CPUS) {
            throw new IllegalArgumentException(cpus + " vCPUs: the MADT's xAPIC ids allow 1 to " + MAX_CPUS);
        }
        byte[] dsdt = dsdt(devices);
        long dsdtAddress = align(RSDP_ADDRESS + RSDP_SIZE);
        long fadtAddress = align(dsdtAddress + dsdt.length);
        byte[] fadt = fadt(dsdtAddress);
        long madtAddress = align(fadtAddress + fadt.length);
        byte[] madt = madt(cpus);
        long xsdtAddress = align(madtAddress + madt.length);
        byte[] xsdt = xsdt(fadtAddress, madtAddress);
        if (xsdtAddress + xsdt.length > TABLES_END) {
            throw new IllegalArgumentException("ACPI tables for " + cpus + " vCPUs and " + devices.size()
                    + " devices do not fit below 0x" + Long.toHexString(TABLES_END));
        }
        memory.write(dsdtAddress, dsdt);
        memory.write(fadtAddress, fadt);
        memory.write(madtAddress, madt);
        memory.write(xsdtAddress, xsdt);
        memory.write(RSDP_ADDRESS, rsdp(xsdtAddress));
        return RSDP_ADDRESS;
    }

    private static byte[] legacyDevice(String name, String hid, ResourceTemplate resources) {
        return Aml.device(name, Aml.name("_HID", Aml.string(hid)), Aml.name("_UID", Aml.integer(0)),
                Aml.name("_CRS", Aml.buffer(resources.bytes())));
    }

    private static long align(long address) {
        return (address + 15) & ~15L;
    }

    /** RSDP, revision 2 (§5.2.5.3): checksum over the first 20 bytes, extended checksum over all 36. */
    static byte[] rsdp(long xsdtAddress) {
        byte[] b = new byte[RSDP_SIZE];
        System.arraycopy("RSD PTR ".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 8);
        System.arraycopy(SystemDescriptionTable.OEM_ID.getBytes(StandardCharsets.US_ASCII), 0, b, 9, 6);
        b[15] = 2; // revision: ACPI 2.0+, XSDT valid
        System.arraycopy(Aml.le(RSDP_SIZE, 4), 0, b, 20, 4);
        System.arraycopy(Aml.le(xsdtAddress, 8), 0, b, 24, 8);
        b[8] = SystemDescriptionTable.checksum(b, 0, 20);
        b[32] = SystemDescriptionTable.checksum(b, 0, RSDP_SIZE);
        return b;
    }

    static byte[] xsdt(long... tables) {
        SystemDescriptionTable t = new SystemDescriptionTable("XSDT", 1);
        for (long address : tables) {
            t.u64(address);
        }
        return t.bytes();
    }

    /** FADT (§5.2.9), 276 bytes: only the DSDT, the flags and the sleep registers are set. */
    static byte[] fadt(long dsdtAddress) {
        SystemDescriptionTable t = new SystemDescriptionTable("FACP", FADT_REVISION);
        t.u32(0); // FIRMWARE_CTRL: no FACS on hardware-reduced platforms
        t.u32(dsdtAddress); // DSDT
        t.zeros(109 - 44); // INT_MODEL .. CENTURY: no fixed hardware
        t.u16(IAPC_BOOT_ARCH_8042 | IAPC_BOOT_ARCH_VGA_NOT_PRESENT);
        t.u8(0);
        t.u32(FADT_HW_REDUCED_ACPI | FADT_PWR_BUTTON | FADT_SLP_BUTTON);
        t.ioPort(0, 0); // RESET_REG: unsupported; reboot=k resets through the i8042
        t.u8(0); // RESET_VALUE
        t.u16(0); // ARM_BOOT_ARCH
        t.u8(FADT_MINOR_VERSION);
        t.u64(0); // X_FIRMWARE_CTRL
        t.u64(dsdtAddress); // X_DSDT
        t.zeros(8 * 12); // X_PM1a_EVT_BLK .. X_GPE1_BLK
        t.ioPort(SLEEP_CONTROL_PORT, 1);
        t.ioPort(SLEEP_STATUS_PORT, 1);
        t.ascii("JVMMJVMM", 8); // hypervisor vendor identity
        return t.bytes();
    }

    /** MADT (§5.2.12): local APICs, the I/O APIC at GSI base 0, LINT1 of every processor as NMI. */
    static byte[] madt(int cpus) {
        SystemDescriptionTable t = new SystemDescriptionTable("APIC", 6);
        t.u32(Layout.LAPIC_ADDRESS);
        t.u32(MADT_PCAT_COMPAT);
        for (int id = 0; id < cpus; id++) {
            t.u8(0).u8(8).u8(id).u8(id).u32(1); // Processor Local APIC: UID, APIC id, enabled
        }
        t.u8(1).u8(12).u8(cpus).u8(0).u32(Layout.IOAPIC_ADDRESS).u32(0); // I/O APIC: id n, GSI base 0
        t.u8(4).u8(6).u8(0xff).u16(0).u8(1); // Local APIC NMI: all processors, LINT1
        return t.bytes();
    }

    /**
     * DSDT (§5.2.11.1): {@code \_S5_}; under {@code \_SB_} the legacy devices and one {@code LNRO0005} device per
     * virtio-mmio window. The legacy devices must be listed: on a hardware-reduced platform Linux drops the legacy
     * PIC and with it the ISA IRQ mappings, and maps IRQs 1, 4 and 8 only for the devices whose _CRS names them.
     */
    static byte[] dsdt(List<MmioDeviceDescription> devices) {
        byte[][] nodes = new byte[devices.size() + 3][];
        nodes[0] = legacyDevice("COM1", "PNP0501", new ResourceTemplate().ioPort(0x3f8, 8).isaIrq(4));
        nodes[1] = legacyDevice("PS2K", "PNP0303",
                new ResourceTemplate().ioPort(0x60, 1).ioPort(0x64, 1).isaIrq(1));
        nodes[2] = legacyDevice("RTC_", "PNP0B00", new ResourceTemplate().ioPort(0x70, 2).isaIrq(8));
        for (int i = 0; i < devices.size(); i++) {
            MmioDeviceDescription d = devices.get(i);
            byte[] crs = new ResourceTemplate().memory32Fixed(d.address(), d.length()).interrupt(d.gsi()).bytes();
            nodes[3 + i] = Aml.device(String.format("V%03X", i),
                    Aml.name("_HID", Aml.string("LNRO0005")),
                    Aml.name("_UID", Aml.integer(i)),
                    Aml.name("_CRS", Aml.buffer(crs)));
        }
        byte[] s5 = Aml.name("_S5_", Aml.packageOf(Aml.integer(S5_SLEEP_TYPE), Aml.integer(0), Aml.integer(0),
                Aml.integer(0)));
        return new SystemDescriptionTable("DSDT", 2).bytes(s5).bytes(Aml.scope("_SB_", nodes)).bytes();
    }
}
