package dev.jvmm.core.boot;

import dev.jvmm.core.x86.ControlRegisters;
import dev.jvmm.core.x86.DescriptorTables;
import dev.jvmm.core.x86.Gdt;
import dev.jvmm.core.x86.Layout;
import dev.jvmm.core.x86.PageTables;
import dev.jvmm.devices.memory.GuestMemory;

import java.util.Optional;

/**
 * Prepares a loaded kernel for the 64-bit boot protocol (boot.rst, "64-bit Boot Protocol"): command line, initrd,
 * zero page with e820, GDT with __BOOT_CS/__BOOT_DS, and identity page tables; returns the entry state (RIP at the
 * 64-bit entry, RSI at boot_params).
 */
public final class LinuxBootConfigurator {
    private LinuxBootConfigurator() {}

    /** COMMAND_LINE_SIZE of x86 kernels, for a vmlinux that has no setup header to tell. */
    static final long DEFAULT_CMDLINE_SIZE = 2048;
    /** initrd_addr_max of protocols before 2.03, the safe assumption for a vmlinux. */
    static final long DEFAULT_INITRD_ADDR_MAX = 0x37FF_FFFF;

    /** {@code initrd} may be null or empty for none; {@link Initrd#read} reads one from a file. */
    public static BootEntry configure(GuestMemory memory, KernelLoadResult kernel, CommandLine cmdline,
                                      byte[] initrd, long memorySize) {
        if (kernel.entry64().isEmpty()) {
            throw new BootException("kernel has no 64-bit entry point; boot it with PVH");
        }
        Optional<SetupHeader> header = kernel.setupHeader();
        long cmdlineSize = header.map(SetupHeader::cmdline_size).orElse(DEFAULT_CMDLINE_SIZE);
        long cmdlineAddress = cmdline.write(memory, cmdlineSize);
        long initrdAddress = 0;
        long initrdSize = initrd == null ? 0 : initrd.length;
        if (initrdSize > 0) {
            long addrMax = header.map(SetupHeader::initrd_addr_max).filter(max -> max != 0)
                    .orElse(DEFAULT_INITRD_ADDR_MAX);
            initrdAddress = InitrdPlacement.place(initrdSize, addrMax, kernel.kernelEnd(), memorySize);
            memory.write(initrdAddress, initrd);
        }
        BootParams params = new BootParams(header.map(SetupHeader::headerBytes).orElse(null), cmdlineAddress,
                cmdlineSize, initrdAddress, initrdSize, E820Map.forMemory(memorySize));
        long zeroPage = params.write(memory);
        DescriptorTables tables = Gdt.writeLongMode(memory);
        ControlRegisters registers = PageTables.writeIdentityMap(memory);
        return new BootEntry(EntryMode.LINUX_64BIT, kernel.entry64().getAsLong(), zeroPage, 0,
                Layout.BOOT_STACK_POINTER, tables, registers);
    }
}
