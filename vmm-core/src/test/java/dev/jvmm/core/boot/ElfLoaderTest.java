package dev.jvmm.core.boot;

import dev.jvmm.core.x86.TestMemory;
import org.junit.jupiter.api.Test;

import static dev.jvmm.core.boot.TestImages.Segment;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ElfLoaderTest {
    private static final byte[] CODE = {1, 2, 3, 4, 5, 6, 7, 8, 9};

    @Test
    void loadsSegmentsByPhysicalAddressAndZeroesBss() {
        byte[] elf = TestImages.elf(true, 0x100_0000,
                new Segment(ElfLoader.PT_LOAD, 0x100_0000, CODE, 0x100),
                new Segment(ElfLoader.PT_LOAD, 0x120_0000, CODE, CODE.length));
        try (TestMemory t = new TestMemory(64L << 20)) {
            t.memory.fill(0x100_0000, 0x1000, (byte) 0x55);
            KernelLoadResult r = ElfLoader.load(t.memory, "vmlinux", elf);
            assertArrayEquals(CODE, t.memory.read(0x100_0000, CODE.length));
            assertArrayEquals(new byte[0x100 - CODE.length], t.memory.read(0x100_0000 + CODE.length,
                    0x100 - CODE.length), "bss zeroed");
            assertEquals(0x55, t.memory.readU8(0x100_0100), "nothing written past p_memsz");
            assertArrayEquals(CODE, t.memory.read(0x120_0000, CODE.length));
            assertEquals(0x100_0000, r.loadAddress());
            assertEquals(0x120_0000 + CODE.length, r.kernelEnd());
            assertEquals(0x100_0000, r.entry64().getAsLong());
            assertFalse(r.hasPvhEntry());
            assertTrue(r.setupHeader().isEmpty());
        }
    }

    @Test
    void findsThePvhEntryNote() {
        byte[] notes = TestImages.concat(TestImages.xenNote(6, new byte[] {'l', 'i', 'n', 'u', 'x', 0}),
                TestImages.xenNote(ElfLoader.XEN_ELFNOTE_PHYS32_ENTRY, TestImages.le64(0x100_0040L)));
        byte[] elf = TestImages.elf(true, 0xFFFF_FFFF_8100_0000L,
                new Segment(ElfLoader.PT_LOAD, 0x100_0000, CODE, CODE.length),
                new Segment(ElfLoader.PT_NOTE, 0, notes, notes.length));
        try (TestMemory t = new TestMemory(64L << 20)) {
            assertEquals(0x100_0040L, ElfLoader.load(t.memory, "k", elf).pvhEntry().getAsLong());
        }
    }

    @Test
    void loadsThirtyTwoBitPvhGuest() {
        byte[] note = TestImages.xenNote(ElfLoader.XEN_ELFNOTE_PHYS32_ENTRY, TestImages.le32(0x10_0000));
        byte[] elf = TestImages.elf(false, 0x10_0000,
                new Segment(ElfLoader.PT_LOAD, 0x10_0000, CODE, CODE.length),
                new Segment(ElfLoader.PT_NOTE, 0, note, note.length));
        try (TestMemory t = new TestMemory(16L << 20)) {
            KernelLoadResult r = ElfLoader.load(t.memory, "pvh.elf", elf);
            assertEquals(0x10_0000, r.pvhEntry().getAsLong());
            assertTrue(r.entry64().isEmpty());
            assertArrayEquals(CODE, t.memory.read(0x10_0000, CODE.length));
        }
    }

    @Test
    void refusesThirtyTwoBitElfWithoutPvhNote() {
        byte[] elf = TestImages.elf(false, 0x10_0000, new Segment(ElfLoader.PT_LOAD, 0x10_0000, CODE, CODE.length));
        try (TestMemory t = new TestMemory(16L << 20)) {
            BootImageException e = assertThrows(BootImageException.class, () -> ElfLoader.load(t.memory, "k", elf));
            assertTrue(e.problem().contains("XEN_ELFNOTE_PHYS32_ENTRY"), e.problem());
        }
    }

    @Test
    void refusesSegmentOutsideGuestMemory() {
        byte[] elf = TestImages.elf(true, 0, new Segment(ElfLoader.PT_LOAD, 0x0FF_F000, CODE, 0x2000));
        try (TestMemory t = new TestMemory(16L << 20)) {
            BootImageException e = assertThrows(BootImageException.class, () -> ElfLoader.load(t.memory, "k", elf));
            assertTrue(e.problem().contains("outside guest RAM"), e.problem());
        }
    }

    @Test
    void refusesSegmentBelowOneMiB() {
        byte[] elf = TestImages.elf(true, 0, new Segment(ElfLoader.PT_LOAD, 0x7000, CODE, CODE.length));
        try (TestMemory t = new TestMemory(16L << 20)) {
            assertThrows(BootImageException.class, () -> ElfLoader.load(t.memory, "k", elf));
        }
    }

    @Test
    void refusesSegmentWhoseAddressWraps() {
        byte[] elf = TestImages.elf(true, 0, new Segment(ElfLoader.PT_LOAD, 0x10_0000, CODE, Long.MAX_VALUE));
        try (TestMemory t = new TestMemory(16L << 20)) {
            assertThrows(BootImageException.class, () -> ElfLoader.load(t.memory, "k", elf));
        }
    }

    @Test
    void refusesFileSizeLargerThanMemorySize() {
        byte[] elf = TestImages.elf(true, 0, new Segment(ElfLoader.PT_LOAD, 0x10_0000, CODE, 4));
        try (TestMemory t = new TestMemory(16L << 20)) {
            BootImageException e = assertThrows(BootImageException.class, () -> ElfLoader.load(t.memory, "k", elf));
            assertTrue(e.problem().contains("p_filesz 9 > p_memsz 4"), e.problem());
        }
    }

    @Test
    void refusesSegmentDataOutsideTheFile() {
        byte[] elf = TestImages.elf(true, 0, new Segment(ElfLoader.PT_LOAD, 0x10_0000, CODE, CODE.length));
        byte[] cut = java.util.Arrays.copyOf(elf, elf.length - 2);
        try (TestMemory t = new TestMemory(16L << 20)) {
            BootImageException e = assertThrows(BootImageException.class, () -> ElfLoader.load(t.memory, "k", cut));
            assertTrue(e.problem().contains("outside the file"), e.problem());
        }
    }

    @Test
    void refusesNonElfAndWrongMachine() {
        try (TestMemory t = new TestMemory(16L << 20)) {
            assertThrows(BootImageException.class, () -> ElfLoader.load(t.memory, "k", new byte[64]));
            byte[] elf = TestImages.elf(true, 0, new Segment(ElfLoader.PT_LOAD, 0x10_0000, CODE, CODE.length));
            elf[0x12] = 40; // ARM
            BootImageException e = assertThrows(BootImageException.class, () -> ElfLoader.load(t.memory, "k", elf));
            assertTrue(e.problem().contains("machine 40"), e.problem());
        }
    }

    @Test
    void refusesNoteRunningPastItsSegment() {
        byte[] note = TestImages.xenNote(ElfLoader.XEN_ELFNOTE_PHYS32_ENTRY, TestImages.le32(0x10_0000));
        note[4] = 100; // descsz beyond the segment
        byte[] elf = TestImages.elf(true, 0, new Segment(ElfLoader.PT_LOAD, 0x10_0000, CODE, CODE.length),
                new Segment(ElfLoader.PT_NOTE, 0, note, note.length));
        try (TestMemory t = new TestMemory(16L << 20)) {
            assertThrows(BootImageException.class, () -> ElfLoader.load(t.memory, "k", elf));
        }
    }
}
