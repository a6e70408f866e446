package dev.jvmm.core.boot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Synthesized kernel images with the fields the boot protocol and ELF define, for loader tests. */
final class TestImages {
    private TestImages() {}

    static final int SETUP_SECTS = 4;
    static final int HEADER_END = 0x26C; // protocol 2.15 header: jump displacement 0x6A

    /** A bzImage of boot protocol {@code version} with a protected-mode kernel of {@code kernelSize} bytes. */
    static ByteBuffer bzImage(int version, int kernelSize) {
        int pmOffset = (SETUP_SECTS + 1) * 512;
        ByteBuffer b = ByteBuffer.allocate(pmOffset + kernelSize).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1F1, (byte) SETUP_SECTS);
        b.putInt(0x1F4, kernelSize / 16);
        b.putShort(0x1FE, (short) 0xAA55);
        b.put(0x200, (byte) 0xEB).put(0x201, (byte) (HEADER_END - 0x202));
        b.putInt(0x202, 0x5372_6448);
        b.putShort(0x206, (short) version);
        b.putInt(0x214, 0x100000);
        b.put(0x211, (byte) 0x01); // LOADED_HIGH
        b.putInt(0x22C, 0x7FFF_FFFF);
        b.putInt(0x230, 0x20_0000);
        b.put(0x234, (byte) 1);
        b.putShort(0x236, (short) 0x3); // XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G
        b.putInt(0x238, 2047);
        b.putLong(0x258, 0x100_0000); // pref_address 16 MiB
        b.putInt(0x260, 0x40_0000);   // init_size 4 MiB
        for (int i = pmOffset; i < b.capacity(); i++) {
            b.put(i, (byte) (i * 7));
        }
        return b;
    }

    static byte[] bzImage() {
        return bzImage(0x020F, 0x2000).array();
    }

    record Segment(int type, long paddr, byte[] data, long memsz) {}

    /** An ELF executable (class 64 or 32) with one program header per segment, data following the headers. */
    static byte[] elf(boolean elf64, long entry, Segment... segments) {
        int ehsize = elf64 ? 64 : 52;
        int phentsize = elf64 ? 56 : 32;
        int dataStart = ehsize + segments.length * phentsize;
        int total = dataStart;
        for (Segment s : segments) {
            total += s.data().length;
        }
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7F, 'E', 'L', 'F', (byte) (elf64 ? 2 : 1), 1, 1});
        b.putShort(0x10, (short) 2);
        b.putShort(0x12, (short) (elf64 ? 62 : 3));
        b.putInt(0x14, 1);
        if (elf64) {
            b.putLong(0x18, entry).putLong(0x20, ehsize);
            b.putShort(0x34, (short) ehsize).putShort(0x36, (short) phentsize).putShort(0x38, (short) segments.length);
        } else {
            b.putInt(0x18, (int) entry).putInt(0x1C, ehsize);
            b.putShort(0x28, (short) ehsize).putShort(0x2A, (short) phentsize).putShort(0x2C, (short) segments.length);
        }
        int data = dataStart;
        for (int i = 0; i < segments.length; i++) {
            Segment s = segments[i];
            int ph = ehsize + i * phentsize;
            if (elf64) {
                b.putInt(ph, s.type()).putInt(ph + 4, 5).putLong(ph + 8, data).putLong(ph + 16, s.paddr())
                        .putLong(ph + 24, s.paddr()).putLong(ph + 32, s.data().length).putLong(ph + 40, s.memsz())
                        .putLong(ph + 48, 0x1000);
            } else {
                b.putInt(ph, s.type()).putInt(ph + 4, data).putInt(ph + 8, (int) s.paddr())
                        .putInt(ph + 12, (int) s.paddr()).putInt(ph + 16, s.data().length)
                        .putInt(ph + 20, (int) s.memsz()).putInt(ph + 24, 5).putInt(ph + 28, 0x1000);
            }
            b.put(data, s.data());
            data += s.data().length;
        }
        return b.array();
    }

    /** One ELF note: name "Xen\0", {@code type}, a descriptor of {@code desc}. */
    static byte[] xenNote(int type, byte[] desc) {
        ByteBuffer b = ByteBuffer.allocate(12 + 4 + ((desc.length + 3) & ~3)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(4).putInt(desc.length).putInt(type).put(new byte[] {'X', 'e', 'n', 0}).put(desc);
        return b.array();
    }

    static byte[] le32(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array();
    }

    static byte[] le64(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    }

    static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] p : parts) {
            length += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(length);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }
}
