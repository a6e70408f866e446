package dev.jvmm.core.boot;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SetupHeaderTest {
    @Test
    void parsesTheFieldsOfAModernHeader() {
        byte[] image = TestImages.bzImage();
        SetupHeader h = SetupHeader.parse("vmlinuz", image);
        assertEquals(0x020F, h.version());
        assertEquals(4, h.setup_sects());
        assertEquals(0x2000 / 16, h.syssize());
        assertEquals(0x7FFF_FFFFL, h.initrd_addr_max());
        assertEquals(0x20_0000, h.kernel_alignment());
        assertTrue(h.relocatable_kernel());
        assertEquals(3, h.xloadflags());
        assertEquals(2047, h.cmdline_size());
        assertEquals(0x100_0000, h.pref_address());
        assertEquals(0x40_0000, h.init_size());
        assertEquals(5 * 512, h.protectedModeOffset());
        assertArrayEquals(Arrays.copyOfRange(image, 0x1F1, TestImages.HEADER_END), h.headerBytes());
        h.requireKernel64();
    }

    @Test
    void setupSectsZeroMeansFour() {
        ByteBuffer b = TestImages.bzImage(0x020F, 0x2000);
        b.put(0x1F1, (byte) 0);
        assertEquals(4, SetupHeader.parse("k", b.array()).setup_sects());
    }

    @Test
    void rejectsTruncatedHeader() {
        byte[] image = Arrays.copyOf(TestImages.bzImage(), 0x220);
        BootImageException e = assertThrows(BootImageException.class, () -> SetupHeader.parse("short.img", image));
        assertEquals("short.img", e.source());
        assertTrue(e.getMessage().startsWith("short.img: truncated in the setup header"), e.getMessage());
    }

    @Test
    void rejectsImageCutBeforeTheBootFlag() {
        BootImageException e = assertThrows(BootImageException.class, () -> SetupHeader.parse("k", new byte[100]));
        assertTrue(e.problem().startsWith("truncated before boot_flag"), e.problem());
    }

    @Test
    void rejectsImageShorterThanSyssize() {
        byte[] image = Arrays.copyOf(TestImages.bzImage(), 5 * 512 + 0x1000);
        BootImageException e = assertThrows(BootImageException.class, () -> SetupHeader.parse("k", image));
        assertTrue(e.problem().startsWith("truncated: syssize"), e.problem());
    }

    @Test
    void acceptsImageEndingInsideItsLastParagraph() {
        byte[] image = TestImages.bzImage();
        SetupHeader.parse("k", Arrays.copyOf(image, image.length - 15));
        assertThrows(BootImageException.class, () -> SetupHeader.parse("k", Arrays.copyOf(image, image.length - 16)));
    }

    @Test
    void rejectsWrongBootFlag() {
        byte[] image = TestImages.bzImage();
        image[0x1FE] = 0;
        BootImageException e = assertThrows(BootImageException.class, () -> SetupHeader.parse("k", image));
        assertTrue(e.problem().contains("boot_flag"), e.problem());
    }

    @Test
    void rejectsMissingHdrSMagic() {
        byte[] image = TestImages.bzImage();
        image[0x202] = 'X';
        BootImageException e = assertThrows(BootImageException.class, () -> SetupHeader.parse("k", image));
        assertTrue(e.problem().contains("HdrS"), e.problem());
    }

    @Test
    void rejectsProtocolOlderThan206() {
        byte[] image = TestImages.bzImage(0x0205, 0x2000).array();
        BootImageException e = assertThrows(BootImageException.class, () -> SetupHeader.parse("k", image));
        assertEquals("boot protocol 2.05 is too old, need 2.06 or later", e.problem());
    }

    @Test
    void rejectsZImage() {
        ByteBuffer b = TestImages.bzImage(0x020F, 0x2000);
        b.put(0x211, (byte) 0);
        BootImageException e = assertThrows(BootImageException.class, () -> SetupHeader.parse("k", b.array()));
        assertTrue(e.problem().contains("LOADED_HIGH"), e.problem());
    }

    @Test
    void refusesThirtyTwoBitOnlyKernel() {
        ByteBuffer b = TestImages.bzImage(0x020F, 0x2000);
        b.putShort(0x236, (short) 0);
        SetupHeader h = SetupHeader.parse("k", b.array());
        BootImageException e = assertThrows(BootImageException.class, h::requireKernel64);
        assertTrue(e.problem().startsWith("32-bit only kernel"), e.problem());
    }

    @Test
    void fieldsNewerThanTheProtocolReadAsZero() {
        SetupHeader h = SetupHeader.parse("k", TestImages.bzImage(0x0206, 0x2000).array());
        assertEquals(0, h.xloadflags());
        assertEquals(0, h.pref_address());
        assertEquals(0, h.init_size());
        assertEquals(0, h.payload_offset());
        assertEquals(2047, h.cmdline_size());
        assertThrows(BootImageException.class, h::requireKernel64);
    }
}
