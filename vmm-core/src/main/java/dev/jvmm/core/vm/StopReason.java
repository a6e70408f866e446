package dev.jvmm.core.vm;

/** Why a VM stopped, and whether that was a normal end, a guest crash or a VMM failure. */
public enum StopReason {
    /** The guest powered off (KVM_SYSTEM_EVENT_SHUTDOWN, ACPI/PM power-off). */
    POWER_OFF(Outcome.NORMAL, "guest powered off"),
    /** The guest asked for a reset: i8042 command 0xFE (Linux {@code reboot=k}) or KVM_SYSTEM_EVENT_RESET. */
    RESET(Outcome.NORMAL, "guest requested a reset (reboot)"),
    /** A flat guest executed HLT (without in-kernel irqchip KVM reports it: KVM_EXIT_HLT). */
    HALTED(Outcome.NORMAL, "guest halted"),
    /** The host asked the VM to stop (a signal, the API). */
    STOPPED_BY_HOST(Outcome.NORMAL, "stopped by the host"),
    /** The user typed the console's quit key (Ctrl-A x). */
    STOPPED_BY_USER(Outcome.NORMAL, "stopped by the user (Ctrl-A x)"),
    /** Triple fault: KVM_EXIT_SHUTDOWN. */
    TRIPLE_FAULT(Outcome.GUEST_CRASH, "guest triple-faulted (KVM_EXIT_SHUTDOWN)"),
    /** The guest reported a crash (KVM_SYSTEM_EVENT_CRASH, pvpanic). */
    GUEST_PANIC(Outcome.GUEST_CRASH, "guest reported a crash"),
    /** KVM_EXIT_INTERNAL_ERROR, e.g. an instruction KVM's emulator does not handle. */
    INTERNAL_ERROR(Outcome.GUEST_CRASH, "KVM internal error"),
    /** KVM_EXIT_FAIL_ENTRY: the CPU refused to enter the guest with the state it was given. */
    ENTRY_FAILURE(Outcome.GUEST_CRASH, "VM entry failed"),
    /** An exit reason jvmm does not handle. */
    UNHANDLED_EXIT(Outcome.GUEST_CRASH, "unhandled KVM exit"),
    /** A KVM call or a device failed on the host side. */
    VMM_ERROR(Outcome.VMM_ERROR, "VMM error");

    /** The three kinds of ending the CLI maps to exit statuses 0, 1 and 3. */
    public enum Outcome { NORMAL, GUEST_CRASH, VMM_ERROR }

    private final Outcome outcome;
    private final String description;

    StopReason(Outcome outcome, String description) {
        this.outcome = outcome;
        this.description = description;
    }

    public Outcome outcome() {
        return outcome;
    }

    public String description() {
        return description;
    }
}
