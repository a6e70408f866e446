package dev.jvmm.core.boot;

import dev.jvmm.core.x86.TestMemory;
import dev.jvmm.devices.memory.GuestMemory;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Field offsets from Documentation/arch/x86/zero-page.rst and boot.rst. */
class BootParamsTest {
    private static final long ZP = 0x7000;

    @Test
    void writesLoaderFieldsAtTheirZeroPageOffsets() {
        byte[] image = TestImages.bzImage();
        SetupHeader header = SetupHeader.parse("k", image);
        try (TestMemory t = new TestMemory(64L << 20)) {
            GuestMemory m = t.memory;
            m.fill(ZP, 0x1000, (byte) 0xEE);
            long rsi = new BootParams(header.headerBytes(), 0x20000, 2047, 0x3000000, 0x12345,
                    E820Map.forMemory(64L << 20)).write(m);
            assertEquals(0x7000, rsi);
            assertEquals(0, m.readU8(ZP), "the rest of the page is zeroed");
            assertEquals(0xAA55, Short.toUnsignedInt(m.readU16(ZP + 0x1FE)), "hdr copied to 0x1f1");
            assertEquals(0x53726448, m.readU32(ZP + 0x202));
            assertEquals(4, m.readU8(ZP + 0x1F1), "setup_sects");
            assertEquals(0xFF, Byte.toUnsignedInt(m.readU8(ZP + 0x210)), "type_of_loader");
            assertEquals(0x81, Byte.toUnsignedInt(m.readU8(ZP + 0x211)), "LOADED_HIGH | CAN_USE_HEAP");
            assertEquals(0xFFFF, Short.toUnsignedInt(m.readU16(ZP + 0x1FA)), "vid_mode");
            assertEquals(0xFE00 - 0x200, Short.toUnsignedInt(m.readU16(ZP + 0x224)), "heap_end_ptr");
            assertEquals(0x20000, m.readU32(ZP + 0x228), "cmd_line_ptr");
            assertEquals(0, m.readU32(ZP + 0x0C8), "ext_cmd_line_ptr");
            assertEquals(2047, m.readU32(ZP + 0x238), "cmdline_size is the kernel's");
            assertEquals(0x3000000, m.readU32(ZP + 0x218), "ramdisk_image");
            assertEquals(0x12345, m.readU32(ZP + 0x21C), "ramdisk_size");
            assertEquals(0, m.readU32(ZP + 0x0C0), "ext_ramdisk_image");
            assertEquals(0, m.readU32(ZP + 0x0C4), "ext_ramdisk_size");
            assertEquals(0x7FFF_FFFF, m.readU32(ZP + 0x22C), "initrd_addr_max kept");
            assertEquals(3, m.readU8(ZP + 0x1E8), "e820_entries");
            assertE820(m, 0, 0, 0x9FC00, 1);
            assertE820(m, 1, 0x9FC00, 0x100000 - 0x9FC00, 2);
            assertE820(m, 2, 0x100000, (64L << 20) - 0x100000, 1);
            assertArrayEquals(new byte[20], m.read(ZP + 0x2D0 + 3 * 20, 20));
            assertArrayEquals(Arrays.copyOfRange(image, 0x1F1, 0x1FA), m.read(ZP + 0x1F1, 0x1FA - 0x1F1));
            assertArrayEquals(Arrays.copyOfRange(image, 0x1FC, 0x210), m.read(ZP + 0x1FC, 0x210 - 0x1FC),
                    "header bytes other than vid_mode up to the loader fields are the image's");
        }
    }

    @Test
    void splitsAddressesAboveFourGiBIntoExtFields() {
        try (TestMemory t = new TestMemory(1 << 20)) {
            new BootParams(null, 0x1_0002_0000L, 2048, 0x2_0000_1000L, 0x1_0000_0010L, E820Map.forMemory(5L << 30))
                    .write(t.memory);
            assertEquals(0x20000, t.memory.readU32(ZP + 0x228));
            assertEquals(1, t.memory.readU32(ZP + 0x0C8));
            assertEquals(0x1000, t.memory.readU32(ZP + 0x218));
            assertEquals(2, t.memory.readU32(ZP + 0x0C0));
            assertEquals(0x10, t.memory.readU32(ZP + 0x21C));
            assertEquals(1, t.memory.readU32(ZP + 0x0C4));
            assertEquals(4, t.memory.readU8(ZP + 0x1E8));
            assertE820(t.memory, 3, 0x1_0000_0000L, (5L << 30) - 0xC000_0000L, 1);
        }
    }

    @Test
    void synthesizesAHeaderForVmlinux() {
        try (TestMemory t = new TestMemory(1 << 20)) {
            new BootParams(null, 0x20000, 2048, 0, 0, E820Map.forMemory(64L << 20)).write(t.memory);
            assertEquals(0xAA55, Short.toUnsignedInt(t.memory.readU16(ZP + 0x1FE)));
            assertEquals(0x53726448, t.memory.readU32(ZP + 0x202));
            assertEquals(2048, t.memory.readU32(ZP + 0x238));
            assertEquals(0x200000, t.memory.readU32(ZP + 0x230), "kernel_alignment");
        }
    }

    private static void assertE820(GuestMemory m, int index, long addr, long size, int type) {
        long entry = ZP + 0x2D0 + index * 20L;
        assertEquals(addr, m.readU64(entry), "e820[" + index + "].addr");
        assertEquals(size, m.readU64(entry + 8), "e820[" + index + "].size");
        assertEquals(type, m.readU32(entry + 16), "e820[" + index + "].type");
    }
}
