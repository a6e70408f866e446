package dev.jvmm.core.boot;

import dev.jvmm.core.x86.ControlRegisters;
import dev.jvmm.core.x86.Gdt;
import dev.jvmm.core.x86.TestMemory;
import org.junit.jupiter.api.Test;

import static dev.jvmm.core.boot.TestImages.Segment;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BootConfiguratorTest {
    private static final long MEMORY = 64L << 20;

    @Test
    void linuxEntryIsLongModeWithRsiAtBootParams() {
        try (TestMemory t = new TestMemory(MEMORY)) {
            KernelLoadResult kernel = BzImageLoader.load(t.memory, "k", TestImages.bzImage());
            byte[] initrd = new byte[0x3000];
            initrd[0] = 0x42;
            BootEntry entry = LinuxBootConfigurator.configure(t.memory, kernel,
                    new CommandLine("console=ttyS0"), initrd, MEMORY);
            assertEquals(EntryMode.LINUX_64BIT, entry.mode());
            assertEquals(0x100_0200, entry.rip());
            assertEquals(0x7000, entry.rsi());
            assertEquals(Gdt.BOOT_CS, entry.tables().code().selector());
            assertEquals(Gdt.BOOT_DS, entry.tables().data().selector());
            assertEquals(ControlRegisters.longMode(0x9000), entry.controlRegisters());
            assertEquals(0x83, t.memory.readU64(0xB000), "page tables written");
            assertEquals(0x00AF9B000000FFFFL, t.memory.readU64(0x510), "GDT written");
            long ramdisk = Integer.toUnsignedLong(t.memory.readU32(0x7000 + 0x218));
            assertEquals(MEMORY - 0x3000, ramdisk);
            assertEquals(0x3000, t.memory.readU32(0x7000 + 0x21C));
            assertEquals(0x42, t.memory.readU8(ramdisk));
            assertEquals(0x20000, t.memory.readU32(0x7000 + 0x228));
            assertArrayEquals("console=ttyS0\0".getBytes(), t.memory.read(0x20000, 14));
        }
    }

    @Test
    void linuxRefusesCommandLineBeyondTheKernelsCmdlineSize() {
        try (TestMemory t = new TestMemory(MEMORY)) {
            KernelLoadResult kernel = BzImageLoader.load(t.memory, "k", TestImages.bzImage());
            assertThrows(BootException.class, () -> LinuxBootConfigurator.configure(t.memory, kernel,
                    new CommandLine("x".repeat(2048)), null, MEMORY));
        }
    }

    @Test
    void linuxRefusesInitrdThatDoesNotFitAboveTheKernel() {
        try (TestMemory t = new TestMemory(MEMORY)) {
            KernelLoadResult kernel = BzImageLoader.load(t.memory, "k", TestImages.bzImage());
            assertThrows(BootException.class, () -> LinuxBootConfigurator.configure(t.memory, kernel,
                    new CommandLine(), new byte[(44 << 20) + 1], MEMORY));
        }
    }

    @Test
    void vmlinuxWithoutPvhNoteBootsThroughTheSixtyFourBitProtocol() {
        byte[] elf = TestImages.elf(true, 0x100_0000, new Segment(ElfLoader.PT_LOAD, 0x100_0000, new byte[16], 16));
        try (TestMemory t = new TestMemory(MEMORY)) {
            KernelLoadResult kernel = ElfLoader.load(t.memory, "vmlinux", elf);
            BootEntry entry = LinuxBootConfigurator.configure(t.memory, kernel, new CommandLine("ro"), null, MEMORY);
            assertEquals(0x100_0000, entry.rip());
            assertEquals(0x7000, entry.rsi());
            assertEquals(2048, t.memory.readU32(0x7000 + 0x238));
            assertEquals(0x53726448, t.memory.readU32(0x7000 + 0x202));
        }
    }

    @Test
    void pvhEntryIsProtectedModeWithRbxAtStartInfo() {
        byte[] note = TestImages.xenNote(ElfLoader.XEN_ELFNOTE_PHYS32_ENTRY, TestImages.le32(0x10_0010));
        byte[] elf = TestImages.elf(false, 0x10_0000, new Segment(ElfLoader.PT_LOAD, 0x10_0000, new byte[32], 32),
                new Segment(ElfLoader.PT_NOTE, 0, note, note.length));
        try (TestMemory t = new TestMemory(MEMORY)) {
            KernelLoadResult kernel = ElfLoader.load(t.memory, "pvh", elf);
            BootEntry entry = PvhBootConfigurator.configure(t.memory, kernel, new CommandLine("x"), new byte[4096],
                    MEMORY);
            assertEquals(EntryMode.PVH_32BIT, entry.mode());
            assertEquals(0x10_0010, entry.rip());
            assertEquals(0x6000, entry.rbx());
            assertEquals(0x336ec578, t.memory.readU32(0x6000));
            assertEquals(MEMORY - 4096, t.memory.readU64(t.memory.readU64(0x6000 + 16)), "module 0 is the initrd");
            assertEquals(ControlRegisters.protectedMode(), entry.controlRegisters());
            assertEquals(0xFFFF_FFFFL, entry.tables().code().limit());
            assertEquals(Gdt.CODE32_DESCRIPTOR, t.memory.readU64(0x510));
        }
    }

    @Test
    void pvhRefusesKernelWithoutTheNote() {
        try (TestMemory t = new TestMemory(MEMORY)) {
            KernelLoadResult kernel = BzImageLoader.load(t.memory, "k", TestImages.bzImage());
            assertThrows(BootException.class,
                    () -> PvhBootConfigurator.configure(t.memory, kernel, new CommandLine(), null, MEMORY));
        }
    }
}
