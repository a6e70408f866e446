package dev.jvmm.core.vm;

/**
 * How a VM ended: the reason, and for crashes and errors a diagnosis the user can act on (exit reason, suberror,
 * RIP, instruction bytes, host notes).
 */
public record VmExit(StopReason reason, String diagnosis) {
    public VmExit {
        diagnosis = diagnosis == null ? "" : diagnosis;
    }

    public static VmExit of(StopReason reason) {
        return new VmExit(reason, "");
    }

    /** One or more lines for the user: the reason, then the diagnosis when there is one. */
    public String describe() {
        return diagnosis.isEmpty() ? reason.description() : reason.description() + ": " + diagnosis;
    }
}
