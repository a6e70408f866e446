package dev.jvmm.core.boot;

import dev.jvmm.core.x86.ControlRegisters;
import dev.jvmm.core.x86.DescriptorTables;
import dev.jvmm.core.x86.Gdt;
import dev.jvmm.core.x86.Layout;
import dev.jvmm.devices.memory.GuestMemory;

/**
 * Prepares a kernel with a XEN_ELFNOTE_PHYS32_ENTRY note for the PVH boot ABI (xen docs/misc/pvh.pandoc): command
 * line, initrd as module 0, hvm_start_info with the e820 memory map, a flat 32-bit GDT; returns the entry state
 * (EIP at the PVH entry, EBX at hvm_start_info, protected mode with paging off).
 */
public final class PvhBootConfigurator {
    private PvhBootConfigurator() {}

    /** Linux's x86 COMMAND_LINE_SIZE; PVH has no field to say otherwise. */
    static final long CMDLINE_SIZE = 2048;

    /** {@code initrd} may be null or empty for none; {@link Initrd#read} reads one from a file. */
    public static BootEntry configure(GuestMemory memory, KernelLoadResult kernel, CommandLine cmdline,
                                      byte[] initrd, long memorySize) {
        if (kernel.pvhEntry().isEmpty()) {
            throw new BootException("kernel has no XEN_ELFNOTE_PHYS32_ENTRY note; it cannot be booted with PVH");
        }
        long cmdlineAddress = cmdline.write(memory, CMDLINE_SIZE);
        long initrdAddress = 0;
        long initrdSize = initrd == null ? 0 : initrd.length;
        if (initrdSize > 0) {
            initrdAddress = InitrdPlacement.place(initrdSize, Layout.MMIO_HOLE_START - 1, kernel.kernelEnd(),
                    memorySize);
            memory.write(initrdAddress, initrd);
        }
        long startInfo = PvhStartInfo.write(memory, cmdlineAddress, initrdAddress, initrdSize,
                E820Map.forMemory(memorySize));
        DescriptorTables tables = Gdt.writeProtectedMode(memory);
        return new BootEntry(EntryMode.PVH_32BIT, kernel.pvhEntry().getAsLong(), 0, startInfo,
                Layout.BOOT_STACK_POINTER, tables, ControlRegisters.protectedMode());
    }
}
