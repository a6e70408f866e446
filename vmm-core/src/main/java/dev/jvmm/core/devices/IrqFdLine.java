package dev.jvmm.core.devices;

import dev.jvmm.devices.event.EventFd;
import dev.jvmm.devices.irq.InterruptLine;
import java.util.Objects;

/**
 * A device's interrupt line backed by an irqfd: raising it signals the eventfd and KVM injects an edge on the GSI
 * (KVM_IRQFD without KVM_IRQFD_FLAG_RESAMPLE), without a system call from a vCPU thread and without a VM exit.
 *
 * <p>Why an edge is enough for virtio-mmio, as in Firecracker: the transport raises the line for every new
 * interrupt reason (each used buffer or configuration change notification calls {@code set(true)}), and Linux's
 * handler (vm_interrupt) reads InterruptStatus and acknowledges exactly the bits it saw. A notification raised
 * while the handler runs is a new edge: the I/O APIC and local APIC latch it and deliver it after the EOI, so none
 * is lost, and lowering the line needs nothing from us. Level semantics would need the resample eventfd and a
 * re-assert from the VMM on every EOI: more work per interrupt for no gain here. The MP table declares these pins
 * edge-triggered, matching what is injected.
 */
final class IrqFdLine implements InterruptLine {
    private final EventFd eventFd;

    IrqFdLine(EventFd eventFd) {
        this.eventFd = Objects.requireNonNull(eventFd, "eventFd");
    }

    @Override
    public void set(boolean asserted) {
        if (asserted) {
            eventFd.signal();
        }
    }
}
