package dev.jvmm.core.kvm;

/**
 * The VM ioctls that connect eventfds to the guest, so that device I/O bypasses the vCPU threads: KVM_IOEVENTFD
 * (a guest write signals an eventfd instead of exiting) and KVM_IRQFD (signalling an eventfd injects an interrupt).
 * {@link Vm} implements it; device wiring depends on this interface alone, so it is testable without KVM.
 *
 * <p>A deassign must name exactly what was assigned (same eventfd, address, length, bus and datamatch; same
 * eventfd and GSI), as the kernel matches on all of them.
 */
public interface EventFdRouting {
    /** KVM_IOEVENTFD: writes matching {@code event} signal {@code eventFd} in the kernel. */
    void ioeventfd(int eventFd, IoEvent event);

    /** KVM_IOEVENTFD with KVM_IOEVENTFD_FLAG_DEASSIGN: undoes {@link #ioeventfd}. */
    void ioeventfdDeassign(int eventFd, IoEvent event);

    /** KVM_IRQFD: each signal of {@code eventFd} injects GSI {@code gsi} as an edge. */
    void irqfd(int eventFd, int gsi);

    /** KVM_IRQFD with KVM_IRQFD_FLAG_DEASSIGN: undoes {@link #irqfd}. */
    void irqfdDeassign(int eventFd, int gsi);
}
