package dev.jvmm.core.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The real-mode kernel header of a bzImage (Linux x86 boot protocol, "The Real-Mode Kernel Header"), parsed and
 * checked. Offsets are those of the image file, which are also those of struct boot_params. Fields a protocol
 * version does not define read as 0.
 */
public final class SetupHeader {
    public static final int OFFSET = 0x1F1;
    public static final int BOOT_FLAG = 0xAA55;
    public static final int HDRS = 0x5372_6448; // "HdrS"
    public static final int MIN_VERSION = 0x0206;
    public static final int LOADED_HIGH = 0x01;
    public static final int CAN_USE_HEAP = 0x80;
    public static final int XLF_KERNEL_64 = 0x01;
    public static final int XLF_CAN_BE_LOADED_ABOVE_4G = 0x02;
    /** setup_sects of 0 means 4 (boot protocol, "setup_sects"). */
    static final int DEFAULT_SETUP_SECTS = 4;

    private final String source;
    private final byte[] headerBytes;
    private final ByteBuffer image;
    private final int version;
    private final int setupSects;

    private SetupHeader(String source, byte[] file) {
        this.source = source;
        this.image = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        need(file, 0x200, "truncated before boot_flag");
        if (u16(0x1FE) != BOOT_FLAG) {
            throw fail("not a bzImage: boot_flag is 0x" + Integer.toHexString(u16(0x1FE)) + ", not 0xaa55");
        }
        need(file, 0x208, "truncated in the setup header");
        if (image.getInt(0x202) != HDRS) {
            throw fail("not a bzImage: no \"HdrS\" magic at 0x202 (boot protocol older than 2.00)");
        }
        version = u16(0x206);
        if (version < MIN_VERSION) {
            throw fail("boot protocol " + versionString(version) + " is too old, need "
                    + versionString(MIN_VERSION) + " or later");
        }
        // The header ends where the 2-byte jump at 0x200 lands: 0x202 + its signed 8-bit displacement.
        int headerEnd = 0x202 + image.get(0x201);
        need(file, headerEnd, "truncated in the setup header (ends at 0x" + Integer.toHexString(headerEnd) + ")");
        if (headerEnd < 0x23C) {
            throw fail("setup header ends at 0x" + Integer.toHexString(headerEnd) + ", before cmdline_size");
        }
        this.headerBytes = Arrays.copyOfRange(file, OFFSET, headerEnd);
        int sects = Byte.toUnsignedInt(image.get(0x1F1));
        setupSects = sects == 0 ? DEFAULT_SETUP_SECTS : sects;
        if ((loadflags() & LOADED_HIGH) == 0) {
            throw fail("not a bzImage: loadflags LOADED_HIGH clear (zImage loads at 0x10000)");
        }
        need(file, protectedModeOffset() + 1, "truncated: no protected-mode kernel after "
                + setupSects + " setup sectors");
        // syssize counts 16-byte paragraphs rounded up, and an image need not be padded to the last one.
        need(file, protectedModeOffset() + syssize() * 16 - 15, "truncated: syssize says the protected-mode kernel"
                + " is " + syssize() * 16 + " bytes, the file has " + (file.length - protectedModeOffset()));
    }

    /** Parses the header of {@code image}, the whole bzImage file read from {@code source}. */
    public static SetupHeader parse(String source, byte[] image) {
        return new SetupHeader(source, image);
    }

    public String source() { return source; }

    public int version() { return version; }

    public int setup_sects() { return setupSects; }

    public long syssize() { return Integer.toUnsignedLong(image.getInt(0x1F4)); }

    public int loadflags() { return Byte.toUnsignedInt(image.get(0x211)); }

    public long code32_start() { return Integer.toUnsignedLong(image.getInt(0x214)); }

    public long initrd_addr_max() { return field32(0x22C, 0x0203); }

    public long kernel_alignment() { return field32(0x230, 0x0205); }

    public boolean relocatable_kernel() { return version >= 0x0205 && image.get(0x234) != 0; }

    public int xloadflags() { return version >= 0x020C ? u16(0x236) : 0; }

    public long cmdline_size() { return field32(0x238, 0x0206); }

    public long payload_offset() { return field32(0x248, 0x0208); }

    public long payload_length() { return field32(0x24C, 0x0208); }

    public long pref_address() { return version >= 0x020A ? image.getLong(0x258) : 0; }

    public long init_size() { return field32(0x260, 0x020A); }

    /** Offset in the file of the protected-mode kernel: after the boot sector and setup_sects sectors. */
    public int protectedModeOffset() { return (setupSects + 1) * 512; }

    /** The raw header, {@code [0x1f1, end of header)}, to copy into boot_params.hdr. */
    public byte[] headerBytes() { return headerBytes.clone(); }

    /** Refuses a kernel that has no 64-bit entry point (xloadflags XLF_KERNEL_64, protocol 2.12). */
    public void requireKernel64() {
        if ((xloadflags() & XLF_KERNEL_64) == 0) {
            throw fail("32-bit only kernel: xloadflags lacks XLF_KERNEL_64 (boot protocol "
                    + versionString(version) + ")");
        }
    }

    public static String versionString(int version) {
        return (version >>> 8) + "." + String.format("%02d", version & 0xFF);
    }

    private long field32(int offset, int sinceVersion) {
        if (version < sinceVersion || offset + 4 > OFFSET + headerBytes.length) {
            return 0;
        }
        return Integer.toUnsignedLong(image.getInt(offset));
    }

    private int u16(int offset) {
        return Short.toUnsignedInt(image.getShort(offset));
    }

    private void need(byte[] file, long length, String problem) {
        if (file.length < length) {
            throw fail(problem + " (" + file.length + " bytes)");
        }
    }

    BootImageException fail(String problem) {
        return new BootImageException(source, problem);
    }
}
