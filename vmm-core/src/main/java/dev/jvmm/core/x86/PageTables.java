package dev.jvmm.core.x86;

import dev.jvmm.devices.memory.GuestMemory;

/**
 * Identity-map page tables for the first 4 GiB with 2 MiB pages (Intel SDM Vol. 3, "4-Level Paging"): one PML4
 * entry, four PDPT entries, 4 x 512 PD entries with PS set. Enough for a 64-bit boot-protocol kernel, which builds
 * its own tables before touching anything else.
 */
public final class PageTables {
    private PageTables() {}

    public static final long PRESENT = 1L;
    public static final long WRITABLE = 1L << 1;
    /** PS: the PD entry maps a 2 MiB page. */
    public static final long PAGE_SIZE_2M = 1L << 7;
    public static final long TWO_MIB = 1L << 21;
    private static final int ENTRIES = 512;

    /** Writes the tables at {@link Layout#PML4_ADDRESS} and returns the control registers for long mode. */
    public static ControlRegisters writeIdentityMap(GuestMemory memory) {
        memory.fill(Layout.PML4_ADDRESS, Layout.PAGE_TABLES_END - Layout.PML4_ADDRESS, (byte) 0);
        memory.writeU64(Layout.PML4_ADDRESS, Layout.PDPT_ADDRESS | WRITABLE | PRESENT);
        for (int pd = 0; pd < Layout.PD_COUNT; pd++) {
            long pdAddress = Layout.PD_ADDRESS + pd * Layout.PAGE_SIZE;
            memory.writeU64(Layout.PDPT_ADDRESS + pd * 8L, pdAddress | WRITABLE | PRESENT);
            for (int i = 0; i < ENTRIES; i++) {
                long frame = ((long) pd * ENTRIES + i) * TWO_MIB;
                memory.writeU64(pdAddress + i * 8L, frame | PAGE_SIZE_2M | WRITABLE | PRESENT);
            }
        }
        return ControlRegisters.longMode(Layout.PML4_ADDRESS);
    }
}
