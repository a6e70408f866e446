package dev.jvmm.core.x86;

import dev.jvmm.devices.memory.GuestMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The Intel MultiProcessor Specification 1.4 tables that tell the guest its CPUs and interrupt wiring: an MP
 * floating pointer structure (§4.1) followed by the configuration table (§4.2, §4.3), written into the first KiB of
 * the EBDA where Linux's mpparse and any MP-aware guest scan for "_MP_". Processors have local APIC ids 0..n-1
 * (0 is the BSP); the one I/O APIC has id n; ISA IRQs and the GSIs up to {@link #IRQ_COUNT}-1 are wired to the
 * I/O APIC pin of the same number, as KVM's default GSI routing does; LINT0 is ExtINT and LINT1 NMI.
 */
public final class MpTable {
    private MpTable() {}

    public static final int FLOATING_POINTER_SIZE = 16;
    public static final int HEADER_SIZE = 44;
    public static final int PROCESSOR_ENTRY_SIZE = 20;
    public static final int ENTRY_SIZE = 8;
    /** I/O APIC pins of KVM's in-kernel I/O APIC, all listed as interrupt sources. */
    public static final int IRQ_COUNT = 24;
    public static final int SPEC_REVISION = 4;
    public static final int LAPIC_VERSION = 0x14;
    public static final int IOAPIC_VERSION = 0x11;

    static final int ENTRY_PROCESSOR = 0;
    static final int ENTRY_BUS = 1;
    static final int ENTRY_IOAPIC = 2;
    static final int ENTRY_IO_INTERRUPT = 3;
    static final int ENTRY_LOCAL_INTERRUPT = 4;
    static final int INT_TYPE_INT = 0;
    static final int INT_TYPE_NMI = 1;
    static final int INT_TYPE_EXTINT = 3;
    static final int CPU_ENABLED = 1;
    static final int CPU_BOOTSTRAP = 2;

    /** Family 6 signature and the CPUID.1:EDX bits MP-aware code checks: FPU (0) and APIC (9). */
    public static final int DEFAULT_CPU_SIGNATURE = 6 << 8;
    public static final int DEFAULT_FEATURE_FLAGS = 1 | (1 << 9);

    /** The most processors whose entries fit beside the rest of the table in the EBDA's first KiB. */
    public static final int MAX_CPUS = (int) ((Layout.EBDA_END - Layout.EBDA_START - fixedSize()) / PROCESSOR_ENTRY_SIZE);

    public static int size(int cpus) {
        return fixedSize() + cpus * PROCESSOR_ENTRY_SIZE;
    }

    private static int fixedSize() {
        return FLOATING_POINTER_SIZE + HEADER_SIZE + ENTRY_SIZE /* bus */ + ENTRY_SIZE /* ioapic */
                + IRQ_COUNT * ENTRY_SIZE + 2 * ENTRY_SIZE /* LINT0, LINT1 */;
    }

    /** Writes the tables for {@code cpus} processors at {@link Layout#EBDA_START}; returns the bytes written. */
    public static int write(GuestMemory memory, int cpus) {
        return write(memory, cpus, DEFAULT_CPU_SIGNATURE, DEFAULT_FEATURE_FLAGS);
    }

    public static int write(GuestMemory memory, int cpus, int cpuSignature, int featureFlags) {
        if (cpus < 1 || cpus > MAX_CPUS) {
            throw new IllegalArgumentException("MP table holds 1 to " + MAX_CPUS + " processors, not " + cpus);
        }
        int ioapicId = cpus;
        ByteBuffer table = ByteBuffer.allocate(size(cpus) - FLOATING_POINTER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        table.position(HEADER_SIZE);
        for (int apicId = 0; apicId < cpus; apicId++) {
            table.put((byte) ENTRY_PROCESSOR).put((byte) apicId).put((byte) LAPIC_VERSION)
                    .put((byte) (CPU_ENABLED | (apicId == 0 ? CPU_BOOTSTRAP : 0)))
                    .putInt(cpuSignature).putInt(featureFlags).putLong(0);
        }
        table.put((byte) ENTRY_BUS).put((byte) 0).put("ISA   ".getBytes(StandardCharsets.US_ASCII));
        table.put((byte) ENTRY_IOAPIC).put((byte) ioapicId).put((byte) IOAPIC_VERSION).put((byte) 1)
                .putInt((int) Layout.IOAPIC_ADDRESS);
        for (int irq = 0; irq < IRQ_COUNT; irq++) {
            // flags 0: polarity and trigger "conforms to the bus" (ISA: active high, edge).
            table.put((byte) ENTRY_IO_INTERRUPT).put((byte) INT_TYPE_INT).putShort((short) 0)
                    .put((byte) 0).put((byte) irq).put((byte) ioapicId).put((byte) irq);
        }
        table.put((byte) ENTRY_LOCAL_INTERRUPT).put((byte) INT_TYPE_EXTINT).putShort((short) 0)
                .put((byte) 0).put((byte) 0).put((byte) 0xFF).put((byte) 0);
        table.put((byte) ENTRY_LOCAL_INTERRUPT).put((byte) INT_TYPE_NMI).putShort((short) 0)
                .put((byte) 0).put((byte) 0).put((byte) 0xFF).put((byte) 1);
        int entryCount = cpus + 2 + IRQ_COUNT + 2;

        table.position(0);
        table.put("PCMP".getBytes(StandardCharsets.US_ASCII)).putShort((short) table.capacity())
                .put((byte) SPEC_REVISION).put((byte) 0)
                .put("JVMM    ".getBytes(StandardCharsets.US_ASCII))
                .put("MICROVM     ".getBytes(StandardCharsets.US_ASCII))
                .putInt(0).putShort((short) 0).putShort((short) entryCount)
                .putInt((int) Layout.LAPIC_ADDRESS).putShort((short) 0).put((byte) 0).put((byte) 0);
        byte[] tableBytes = table.array();
        tableBytes[7] = checksum(tableBytes);

        long tableAddress = Layout.EBDA_START + FLOATING_POINTER_SIZE;
        ByteBuffer pointer = ByteBuffer.allocate(FLOATING_POINTER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        pointer.put("_MP_".getBytes(StandardCharsets.US_ASCII)).putInt((int) tableAddress)
                .put((byte) 1) // length in 16-byte paragraphs
                .put((byte) SPEC_REVISION).put((byte) 0)
                .put(new byte[5]); // feature byte 1 = 0: a configuration table is present; IMCRP clear
        byte[] pointerBytes = pointer.array();
        pointerBytes[10] = checksum(pointerBytes);

        memory.write(Layout.EBDA_START, pointerBytes);
        memory.write(tableAddress, tableBytes);
        return size(cpus);
    }

    /** The byte that makes all bytes of {@code bytes} sum to zero (MP spec §4.1, §4.2). */
    static byte checksum(byte[] bytes) {
        int sum = 0;
        for (byte b : bytes) {
            sum += b;
        }
        return (byte) -sum;
    }
}
