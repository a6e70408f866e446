package dev.jvmm.core.x86;

import dev.jvmm.devices.memory.GuestMemory;

/**
 * The boot GDT. Selectors follow the Linux boot protocol (__BOOT_CS 0x10, __BOOT_DS 0x18); entry 4 is the TSS that
 * VMX requires TR to reference. The long-mode table carries a 64-bit code segment; the PVH table a flat 32-bit one
 * (PVH boot ABI: CS 32-bit flat read/execute, DS/ES/SS flat read/write, TR a 32-bit busy TSS, base 0, limit 0x67).
 */
public final class Gdt {
    private Gdt() {}

    public static final int BOOT_CS = 0x10;
    public static final int BOOT_DS = 0x18;
    public static final int BOOT_TSS = 0x20;

    /** Flat 4 GiB, G=1, L=1, D=0, P=1, DPL 0, S=1, type 0xB (execute/read, accessed). */
    public static final long CODE64_DESCRIPTOR = 0x00AF_9B00_0000_FFFFL;
    /** Flat 4 GiB, G=1, D/B=1, P=1, DPL 0, S=1, type 0xB. */
    public static final long CODE32_DESCRIPTOR = 0x00CF_9B00_0000_FFFFL;
    /** Flat 4 GiB, G=1, D/B=1, P=1, DPL 0, S=1, type 0x3 (read/write, accessed). */
    public static final long DATA_DESCRIPTOR = 0x00CF_9300_0000_FFFFL;
    /** Base 0, limit 0x67, P=1, S=0, type 0xB (busy 32/64-bit TSS). */
    public static final long TSS_DESCRIPTOR = 0x0000_8B00_0000_0067L;

    /** Writes the long-mode GDT (null, null, code64, data, 16-byte TSS) and the empty IDT. */
    public static DescriptorTables writeLongMode(GuestMemory memory) {
        return write(memory, CODE64_DESCRIPTOR, true);
    }

    /** Writes the 32-bit protected-mode GDT for the PVH entry (null, null, code32, data, TSS) and the empty IDT. */
    public static DescriptorTables writeProtectedMode(GuestMemory memory) {
        return write(memory, CODE32_DESCRIPTOR, false);
    }

    /** Real-mode CS for an entry at a flat address: selector 0, base 0, 64 KiB limit (SDM Vol. 3, "Real-Address Mode Operation"). */
    public static Segment realModeCode() {
        return new Segment(0, 0, 0xFFFF, 0xB, true, 0, false, true, false, false, false);
    }

    public static Segment realModeData() {
        return new Segment(0, 0, 0xFFFF, 0x3, true, 0, false, true, false, false, false);
    }

    private static DescriptorTables write(GuestMemory memory, long code, boolean longMode) {
        long[] entries = {0, 0, code, DATA_DESCRIPTOR, TSS_DESCRIPTOR, 0};
        int count = longMode ? 6 : 5; // a 64-bit system descriptor takes two slots (SDM Vol. 3, "TSS Descriptor in 64-bit mode")
        memory.fill(Layout.GDT_ADDRESS, Layout.GDT_MAX_ENTRIES * 8L, (byte) 0);
        for (int i = 0; i < count; i++) {
            memory.writeU64(Layout.GDT_ADDRESS + i * 8L, entries[i]);
        }
        memory.writeU64(Layout.IDT_ADDRESS, 0);
        return new DescriptorTables(Layout.GDT_ADDRESS, count * 8 - 1, Layout.IDT_ADDRESS, Layout.IDT_SIZE - 1,
                Segment.fromDescriptor(BOOT_CS, code), Segment.fromDescriptor(BOOT_DS, DATA_DESCRIPTOR),
                Segment.fromDescriptor(BOOT_TSS, TSS_DESCRIPTOR));
    }
}
