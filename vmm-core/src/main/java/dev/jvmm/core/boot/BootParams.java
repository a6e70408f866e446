package dev.jvmm.core.boot;

import dev.jvmm.core.x86.Layout;
import dev.jvmm.devices.memory.GuestMemory;

/**
 * The zero page, struct boot_params (Documentation/arch/x86/zero-page.rst), for the 64-bit boot protocol: the
 * image's setup header copied to 0x1f1 with the loader's fields filled in (boot.rst, "Details of Header Fields"),
 * and the e820 table. {@code setupHeader} is the raw header of a bzImage, or {@code null} for a vmlinux, whose
 * header is synthesized
 * ({@code cmdlineSize} is written only then: a bzImage states its own).
 */
public record BootParams(byte[] setupHeader, long cmdLinePtr, long cmdlineSize, long ramdiskImage,
                         long ramdiskSize, E820Map e820) {
    public static final int SIZE = 0x1000;
    public static final int EXT_RAMDISK_IMAGE = 0x0C0;
    public static final int EXT_RAMDISK_SIZE = 0x0C4;
    public static final int EXT_CMD_LINE_PTR = 0x0C8;
    public static final int E820_ENTRIES = 0x1E8;
    public static final int HDR = 0x1F1;
    public static final int VID_MODE = 0x1FA;
    public static final int BOOT_FLAG = 0x1FE;
    public static final int JUMP = 0x200;
    public static final int HEADER = 0x202;
    public static final int VERSION = 0x206;
    public static final int TYPE_OF_LOADER = 0x210;
    public static final int LOADFLAGS = 0x211;
    public static final int RAMDISK_IMAGE = 0x218;
    public static final int RAMDISK_SIZE = 0x21C;
    public static final int HEAP_END_PTR = 0x224;
    public static final int CMD_LINE_PTR = 0x228;
    public static final int KERNEL_ALIGNMENT = 0x230;
    public static final int CMDLINE_SIZE = 0x238;
    public static final int E820_TABLE = 0x2D0;

    /** "Undefined" boot loader id: jvmm has no assigned one. */
    public static final int TYPE_OF_LOADER_UNDEFINED = 0xFF;
    /** vid_mode "normal" (0xFFFF, ask the kernel for the default 80x25 text mode). */
    public static final int VID_MODE_NORMAL = 0xFFFF;
    /** heap_end_ptr: end of the setup heap relative to the real-mode code start, the usual 0xFE00 - 0x200. */
    public static final int HEAP_END = 0xFE00 - 0x200;
    /** For a vmlinux: the protocol version whose fields we fill, and the kernel's usual 2 MiB alignment. */
    static final int SYNTHESIZED_VERSION = 0x020F;
    static final int SYNTHESIZED_ALIGNMENT = 0x20_0000;

    /** Writes the zero page at {@link Layout#ZERO_PAGE_ADDRESS}; returns that address, the value for RSI. */
    public long write(GuestMemory memory) {
        if (e820.entries().size() > E820Map.MAX_ENTRIES) {
            throw new BootException("e820 map has " + e820.entries().size() + " entries, the zero page holds "
                    + E820Map.MAX_ENTRIES);
        }
        long base = Layout.ZERO_PAGE_ADDRESS;
        memory.fill(base, SIZE, (byte) 0);
        if (setupHeader != null) {
            if (HDR + setupHeader.length > E820_TABLE) {
                throw new BootException("setup header of " + setupHeader.length + " bytes overruns boot_params");
            }
            memory.write(base + HDR, setupHeader);
        } else {
            memory.writeU16(base + BOOT_FLAG, (short) SetupHeader.BOOT_FLAG);
            memory.writeU32(base + HEADER, SetupHeader.HDRS);
            memory.writeU16(base + VERSION, (short) SYNTHESIZED_VERSION);
            memory.writeU32(base + KERNEL_ALIGNMENT, SYNTHESIZED_ALIGNMENT);
            memory.writeU8(base + LOADFLAGS, (byte) SetupHeader.LOADED_HIGH);
            memory.writeU32(base + CMDLINE_SIZE, (int) cmdlineSize);
        }
        memory.writeU16(base + VID_MODE, (short) VID_MODE_NORMAL);
        memory.writeU8(base + TYPE_OF_LOADER, (byte) TYPE_OF_LOADER_UNDEFINED);
        int loadflags = Byte.toUnsignedInt(memory.readU8(base + LOADFLAGS)) | SetupHeader.CAN_USE_HEAP;
        memory.writeU8(base + LOADFLAGS, (byte) loadflags);
        memory.writeU16(base + HEAP_END_PTR, (short) HEAP_END);
        memory.writeU32(base + CMD_LINE_PTR, (int) cmdLinePtr);
        memory.writeU32(base + EXT_CMD_LINE_PTR, (int) (cmdLinePtr >>> 32));
        memory.writeU32(base + RAMDISK_IMAGE, (int) ramdiskImage);
        memory.writeU32(base + EXT_RAMDISK_IMAGE, (int) (ramdiskImage >>> 32));
        memory.writeU32(base + RAMDISK_SIZE, (int) ramdiskSize);
        memory.writeU32(base + EXT_RAMDISK_SIZE, (int) (ramdiskSize >>> 32));
        memory.writeU8(base + E820_ENTRIES, (byte) e820.entries().size());
        long entry = base + E820_TABLE;
        for (E820Map.Entry e : e820.entries()) {
            memory.writeU64(entry, e.addr());
            memory.writeU64(entry + 8, e.size());
            memory.writeU32(entry + 16, e.type());
            entry += E820Map.ENTRY_SIZE;
        }
        return base;
    }
}
