package dev.jvmm.core.kvm;

import static dev.jvmm.bindings.kvm.kvm_h.*;

import dev.jvmm.bindings.kvm.kvm_ioeventfd;
import dev.jvmm.bindings.kvm.kvm_irq_level;
import dev.jvmm.bindings.kvm.kvm_irqfd;
import dev.jvmm.bindings.kvm.kvm_pit_config;
import dev.jvmm.bindings.kvm.kvm_userspace_memory_region;
import dev.jvmm.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A virtual machine: the fd {@code KVM_CREATE_VM} returned. One method per VM ioctl (KVM API document §4), named
 * after it. Closing the VM closes its fd; vCPUs are closed by their owner first.
 */
public final class Vm implements EventFdRouting, AutoCloseable {
    private final Kvm kvm;
    private final int fd;
    private final MemorySegment irqLevel;

    Vm(Kvm kvm, int fd) {
        this.kvm = kvm;
        this.fd = fd;
        // KVM_IRQ_LINE may be called by any device thread: a shared scratch struct guarded by this.
        this.irqLevel = Arena.global().allocate(kvm_irq_level.layout());
    }

    public Kvm kvm() {
        return kvm;
    }

    /**
     * KVM_SET_USER_MEMORY_REGION: backs guest-physical {@code [guestPhysAddr, +memory.byteSize())} with {@code memory}
     * in {@code slot}. {@code memory} must be a page-aligned native mapping that outlives the VM.
     */
    public void setUserMemoryRegion(int slot, long guestPhysAddr, MemorySegment memory, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = arena.allocate(kvm_userspace_memory_region.layout());
            kvm_userspace_memory_region.slot(r, slot);
            kvm_userspace_memory_region.flags(r, flags);
            kvm_userspace_memory_region.guest_phys_addr(r, guestPhysAddr);
            kvm_userspace_memory_region.memory_size(r, memory.byteSize());
            kvm_userspace_memory_region.userspace_addr(r, memory.address());
            Libc.ioctl(fd, KVM_SET_USER_MEMORY_REGION(), "KVM_SET_USER_MEMORY_REGION", r);
        }
    }

    /** KVM_SET_TSS_ADDR: three pages of guest-physical space KVM needs on Intel hosts, outside guest RAM. */
    public void setTssAddr(long address) {
        Libc.ioctl(fd, KVM_SET_TSS_ADDR(), "KVM_SET_TSS_ADDR", address);
    }

    /** KVM_SET_IDENTITY_MAP_ADDR: one page for the real-mode identity map on Intel hosts, outside guest RAM. */
    public void setIdentityMapAddr(long address) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(8, 8);
            a.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, address);
            Libc.ioctl(fd, KVM_SET_IDENTITY_MAP_ADDR(), "KVM_SET_IDENTITY_MAP_ADDR", a);
        }
    }

    /** KVM_CREATE_IRQCHIP: in-kernel PIC pair, IOAPIC and a local APIC per vCPU created afterwards. */
    public void createIrqchip() {
        Libc.ioctl(fd, KVM_CREATE_IRQCHIP(), "KVM_CREATE_IRQCHIP", 0L);
    }

    /** KVM_CREATE_PIT2 with the dummy speaker port (KVM_PIT_SPEAKER_DUMMY), as QEMU and Firecracker do. */
    public void createPit2() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment c = arena.allocate(kvm_pit_config.layout());
            kvm_pit_config.flags(c, KVM_PIT_SPEAKER_DUMMY());
            Libc.ioctl(fd, KVM_CREATE_PIT2(), "KVM_CREATE_PIT2", c);
        }
    }

    /** KVM_IRQ_LINE: drives GSI {@code irq} of the in-kernel irqchip to {@code level}. */
    public void irqLine(int irq, boolean level) {
        synchronized (irqLevel) {
            kvm_irq_level.irq(irqLevel, irq);
            kvm_irq_level.level(irqLevel, level ? 1 : 0);
            Libc.ioctl(fd, KVM_IRQ_LINE(), "KVM_IRQ_LINE", irqLevel);
        }
    }

    @Override
    public void irqfd(int eventFd, int gsi) {
        irqfd(eventFd, gsi, 0, "KVM_IRQFD");
    }

    @Override
    public void irqfdDeassign(int eventFd, int gsi) {
        irqfd(eventFd, gsi, KVM_IRQFD_FLAG_DEASSIGN(), "KVM_IRQFD(DEASSIGN)");
    }

    private void irqfd(int eventFd, int gsi, int flags, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(kvm_irqfd.layout());
            kvm_irqfd.fd(s, eventFd);
            kvm_irqfd.gsi(s, gsi);
            kvm_irqfd.flags(s, flags);
            Libc.ioctl(fd, KVM_IRQFD(), name, s);
        }
    }

    @Override
    public void ioeventfd(int eventFd, IoEvent event) {
        ioeventfd(eventFd, event, 0, "KVM_IOEVENTFD");
    }

    @Override
    public void ioeventfdDeassign(int eventFd, IoEvent event) {
        ioeventfd(eventFd, event, KVM_IOEVENTFD_FLAG_DEASSIGN(), "KVM_IOEVENTFD(DEASSIGN)");
    }

    private void ioeventfd(int eventFd, IoEvent event, int flags, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(kvm_ioeventfd.layout());
            kvm_ioeventfd.addr(s, event.address());
            kvm_ioeventfd.len(s, event.length());
            kvm_ioeventfd.fd(s, eventFd);
            int f = flags | (event.pio() ? KVM_IOEVENTFD_FLAG_PIO() : 0);
            if (event.datamatch().isPresent()) {
                f |= KVM_IOEVENTFD_FLAG_DATAMATCH();
                kvm_ioeventfd.datamatch(s, event.datamatch().getAsLong());
            }
            kvm_ioeventfd.flags(s, f);
            Libc.ioctl(fd, KVM_IOEVENTFD(), name, s);
        }
    }

    /** KVM_CREATE_VCPU with the given id (the vCPU's initial APIC id) and its {@code kvm_run} mapped. */
    public Vcpu createVcpu(int id) {
        int vcpuFd = Libc.ioctl(fd, KVM_CREATE_VCPU(), "KVM_CREATE_VCPU", (long) id);
        return new Vcpu(this, id, vcpuFd, kvm.vcpuMmapSize());
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
