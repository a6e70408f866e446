package dev.jvmm.core.boot;

import dev.jvmm.core.x86.Layout;
import dev.jvmm.devices.memory.GuestMemory;

/**
 * Writes struct hvm_start_info version 1 with its module list and memory map (xen/include/public/arch-x86/hvm/
 * start_info.h), at {@link Layout#PVH_START_INFO_ADDRESS}.
 */
public final class PvhStartInfo {
    private PvhStartInfo() {}

    public static final int MAGIC = 0x336e_c578;
    public static final int VERSION = 1;
    public static final int SIZE = 56;
    public static final int MODLIST_ENTRY_SIZE = 32;
    public static final int MEMMAP_ENTRY_SIZE = 24;

    static final int OFF_MAGIC = 0;
    static final int OFF_VERSION = 4;
    static final int OFF_FLAGS = 8;
    static final int OFF_NR_MODULES = 12;
    static final int OFF_MODLIST_PADDR = 16;
    static final int OFF_CMDLINE_PADDR = 24;
    static final int OFF_RSDP_PADDR = 32;
    static final int OFF_MEMMAP_PADDR = 40;
    static final int OFF_MEMMAP_ENTRIES = 48;

    /**
     * Writes the structures; {@code initrdSize} 0 means no module. Returns the guest address of hvm_start_info
     * (the value for EBX at the PVH entry).
     */
    public static long write(GuestMemory memory, long cmdlinePaddr, long initrdPaddr, long initrdSize, E820Map map) {
        if (map.entries().size() > Layout.PVH_MEMMAP_MAX_ENTRIES) {
            throw new BootException("memory map has " + map.entries().size() + " entries, PVH room for "
                    + Layout.PVH_MEMMAP_MAX_ENTRIES);
        }
        long base = Layout.PVH_START_INFO_ADDRESS;
        memory.fill(base, SIZE, (byte) 0);
        memory.writeU32(base + OFF_MAGIC, MAGIC);
        memory.writeU32(base + OFF_VERSION, VERSION);
        memory.writeU64(base + OFF_CMDLINE_PADDR, cmdlinePaddr);
        if (initrdSize > 0) {
            long entry = Layout.PVH_MODLIST_ADDRESS;
            memory.fill(entry, MODLIST_ENTRY_SIZE, (byte) 0);
            memory.writeU64(entry, initrdPaddr);
            memory.writeU64(entry + 8, initrdSize);
            memory.writeU32(base + OFF_NR_MODULES, 1);
            memory.writeU64(base + OFF_MODLIST_PADDR, entry);
        }
        long memmap = Layout.PVH_MEMMAP_ADDRESS;
        for (E820Map.Entry e : map.entries()) {
            memory.writeU64(memmap, e.addr());
            memory.writeU64(memmap + 8, e.size());
            memory.writeU32(memmap + 16, e.type());
            memory.writeU32(memmap + 20, 0);
            memmap += MEMMAP_ENTRY_SIZE;
        }
        memory.writeU64(base + OFF_MEMMAP_PADDR, Layout.PVH_MEMMAP_ADDRESS);
        memory.writeU32(base + OFF_MEMMAP_ENTRIES, map.entries().size());
        return base;
    }
}
