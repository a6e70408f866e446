package dev.jvmm.devices.irq;

/**
 * One interrupt input of the guest's interrupt controller (an IOAPIC/PIC pin or GSI). Devices drive it; the VMM
 * backs it with {@code KVM_IRQ_LINE} or an irqfd. Implementations must be callable from any thread.
 */
public interface InterruptLine {
    /** Drives the line to {@code asserted} (level-triggered semantics). */
    void set(boolean asserted);

    /** An edge: raise then lower the line. */
    default void pulse() {
        set(true);
        set(false);
    }

    /** A line connected to nothing, for devices run without interrupts (polling guests, tests). */
    InterruptLine NONE = asserted -> { };
}
