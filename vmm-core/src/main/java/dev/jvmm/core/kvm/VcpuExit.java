package dev.jvmm.core.kvm;

/** Why {@code KVM_RUN} returned, decoded from {@code kvm_run.exit_reason} (KVM API document §5). */
public enum VcpuExit {
    IO_IN, IO_OUT, MMIO_READ, MMIO_WRITE,
    /** The guest executed HLT and KVM has no in-kernel irqchip to wait for an interrupt. */
    HLT,
    /** Triple fault or another reason the guest's CPU shut down. */
    SHUTDOWN,
    /** The guest asked for power-off, reset or reported a crash (PSCI/ACPI style system event). */
    SYSTEM_EVENT,
    /** KVM could not run the guest, e.g. an instruction its emulator does not handle. */
    INTERNAL_ERROR,
    /** VM entry failed (hardware_entry_failure_reason says why). */
    FAIL_ENTRY,
    /** KVM_RUN was interrupted by a signal or {@code immediate_exit}: nothing for the guest, check for requests. */
    INTERRUPTED,
    IRQ_WINDOW_OPEN, DEBUG,
    /** An exit reason jvmm does not handle; {@link Vcpu#exitReason()} has the raw value. */
    UNKNOWN
}
