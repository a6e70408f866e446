package dev.jvmm.core.boot;

import dev.jvmm.core.x86.ControlRegisters;
import dev.jvmm.core.x86.DescriptorTables;

/**
 * The boot vCPU's state at guest entry, as a configurator set it up: mode, RIP, RSI (boot_params) or RBX
 * (hvm_start_info), RSP, the descriptor tables and segments it wrote, and the control registers. RFLAGS is
 * {@link #RFLAGS}; every other general-purpose register is zero (boot.rst requires RBP, RDI, RBX zero).
 */
public record BootEntry(EntryMode mode, long rip, long rsi, long rbx, long rsp, DescriptorTables tables,
                        ControlRegisters controlRegisters) {
    /** RFLAGS with only the always-one bit 1 set: interrupts off, as both protocols require. */
    public static final long RFLAGS = 0x2;
}
