package dev.jvmm.core.kvm;

import static dev.jvmm.bindings.kvm.kvm_h.*;

import dev.jvmm.bindings.kvm.kvm_fpu;
import dev.jvmm.bindings.kvm.kvm_lapic_state;
import dev.jvmm.bindings.kvm.kvm_mp_state;
import dev.jvmm.bindings.kvm.kvm_msr_entry;
import dev.jvmm.bindings.kvm.kvm_msrs;
import dev.jvmm.bindings.kvm.kvm_regs;
import dev.jvmm.bindings.kvm.kvm_run;
import dev.jvmm.bindings.kvm.kvm_signal_mask;
import dev.jvmm.bindings.kvm.kvm_sregs;
import dev.jvmm.bindings.kvm.kvm_vcpu_events;
import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.core.x86.CpuidEntry;
import dev.jvmm.sys.Errno;
import dev.jvmm.sys.Libc;
import dev.jvmm.sys.SyscallException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A virtual CPU: the fd {@code KVM_CREATE_VCPU} returned and its mapped {@code kvm_run}. One method per vCPU ioctl
 * (KVM API document §4). Register state is exchanged through scratch structs owned by the vCPU, which the caller
 * reads and writes with the generated accessors ({@code kvm_regs.rip(segment)}). A vCPU is driven by one thread;
 * only {@link #requestImmediateExit()} may be called from others.
 */
public final class Vcpu implements AutoCloseable {
    private final Vm vm;
    private final int id;
    private final int fd;
    private final Arena arena;
    private final MemorySegment run;
    private final KvmRun exit;
    private final MemorySegment regs;
    private final MemorySegment sregs;
    private int exitReason;

    Vcpu(Vm vm, int id, int fd, int mmapSize) {
        this.vm = vm;
        this.id = id;
        this.fd = fd;
        this.arena = Arena.ofShared();
        this.run = Libc.mmap(mmapSize, libc_h.PROT_READ() | libc_h.PROT_WRITE(), libc_h.MAP_SHARED(), fd, 0, arena);
        this.exit = new KvmRun(run);
        this.regs = arena.allocate(kvm_regs.layout());
        this.sregs = arena.allocate(kvm_sregs.layout());
    }

    public int id() {
        return id;
    }

    public Vm vm() {
        return vm;
    }

    /**
     * KVM_RUN: runs the guest until the next exit and decodes it. EINTR (a signal reached the thread, KVM API §4.10)
     * is an {@link VcpuExit#INTERRUPTED} exit, not an error. Allocation-free.
     */
    public VcpuExit run() {
        int r = Libc.ioctlNoThrow(fd, KVM_RUN(), 0L);
        if (r < 0) {
            if (r == -Errno.EINTR || r == -Errno.EAGAIN) {
                exitReason = KVM_EXIT_INTR();
                return VcpuExit.INTERRUPTED;
            }
            throw new SyscallException("ioctl", "KVM_RUN", -r);
        }
        exitReason = kvm_run.exit_reason(run);
        return exit.decode();
    }

    /** The raw {@code exit_reason} of the last exit. */
    public int exitReason() {
        return exitReason;
    }

    /** The exit KVM_RUN last returned: the fields of {@code kvm_run} for the exit reason. */
    public KvmRun exit() {
        return exit;
    }

    /**
     * Makes the current or next KVM_RUN return at once (KVM API {@code immediate_exit}); the caller also kicks the
     * thread with a signal so that a vCPU already inside the guest leaves it.
     */
    public void requestImmediateExit() {
        kvm_run.immediate_exit(run, (byte) 1);
    }

    public void clearImmediateExit() {
        kvm_run.immediate_exit(run, (byte) 0);
    }

    // --- Register state.

    /** KVM_GET_REGS into the vCPU's scratch {@code kvm_regs}, returned for reading with the generated accessors. */
    public MemorySegment getRegs() {
        Libc.ioctl(fd, KVM_GET_REGS(), "KVM_GET_REGS", regs);
        return regs;
    }

    /** KVM_SET_REGS from {@code value} (usually the segment {@link #getRegs()} returned, modified). */
    public void setRegs(MemorySegment value) {
        Libc.ioctl(fd, KVM_SET_REGS(), "KVM_SET_REGS", value);
    }

    public MemorySegment getSregs() {
        Libc.ioctl(fd, KVM_GET_SREGS(), "KVM_GET_SREGS", sregs);
        return sregs;
    }

    public void setSregs(MemorySegment value) {
        Libc.ioctl(fd, KVM_SET_SREGS(), "KVM_SET_SREGS", value);
    }

    /** KVM_SET_FPU with the x87/SSE reset state a guest expects: FCW 0x37f, MXCSR 0x1f80 (SDM Vol. 1 §8.1.5, §10.2.3). */
    public void setFpuResetState() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fpu = a.allocate(kvm_fpu.layout());
            kvm_fpu.fcw(fpu, (short) 0x37f);
            kvm_fpu.mxcsr(fpu, 0x1f80);
            Libc.ioctl(fd, KVM_SET_FPU(), "KVM_SET_FPU", fpu);
        }
    }

    /** KVM_SET_MSRS: writes {@code values[i]} to MSR {@code indices[i]}; all must be accepted. */
    public void setMsrs(int[] indices, long[] values) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment msrs = a.allocate(kvm_msrs.sizeof() + indices.length * kvm_msr_entry.sizeof(), 8);
            kvm_msrs.nmsrs(msrs, indices.length);
            for (int i = 0; i < indices.length; i++) {
                MemorySegment e = kvm_msrs.entries(msrs, i);
                kvm_msr_entry.index(e, indices[i]);
                kvm_msr_entry.data(e, values[i]);
            }
            int written = Libc.ioctl(fd, KVM_SET_MSRS(), "KVM_SET_MSRS", msrs);
            if (written != indices.length) {
                throw new SyscallException("ioctl", "KVM_SET_MSRS (MSR 0x" + Integer.toHexString(indices[written])
                        + " refused)", Errno.EINVAL);
            }
        }
    }

    /** KVM_GET_MSRS: the values of MSRs {@code indices}; all must be readable. */
    public long[] getMsrs(int[] indices) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment msrs = a.allocate(kvm_msrs.sizeof() + indices.length * kvm_msr_entry.sizeof(), 8);
            kvm_msrs.nmsrs(msrs, indices.length);
            for (int i = 0; i < indices.length; i++) {
                kvm_msr_entry.index(kvm_msrs.entries(msrs, i), indices[i]);
            }
            int read = Libc.ioctl(fd, KVM_GET_MSRS(), "KVM_GET_MSRS", msrs);
            if (read != indices.length) {
                throw new SyscallException("ioctl", "KVM_GET_MSRS (MSR 0x" + Integer.toHexString(indices[read])
                        + " refused)", Errno.EINVAL);
            }
            long[] values = new long[indices.length];
            for (int i = 0; i < indices.length; i++) {
                values[i] = kvm_msr_entry.data(kvm_msrs.entries(msrs, i));
            }
            return values;
        }
    }

    /** KVM_SET_CPUID2: the CPUID leaves this vCPU presents. */
    public void setCpuid2(List<CpuidEntry> entries) {
        try (Arena a = Arena.ofConfined()) {
            Libc.ioctl(fd, KVM_SET_CPUID2(), "KVM_SET_CPUID2", CpuidEntries.write(entries, a));
        }
    }

    /**
     * KVM_GET_LAPIC / KVM_SET_LAPIC around {@code edit}, which receives the 1 KiB register page (offsets as in the
     * SDM's local APIC register map, Vol. 3A §11.4.1).
     */
    public void editLapic(java.util.function.Consumer<MemorySegment> edit) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment lapic = a.allocate(kvm_lapic_state.layout());
            Libc.ioctl(fd, KVM_GET_LAPIC(), "KVM_GET_LAPIC", lapic);
            edit.accept(kvm_lapic_state.regs(lapic));
            Libc.ioctl(fd, KVM_SET_LAPIC(), "KVM_SET_LAPIC", lapic);
        }
    }

    /** KVM_GET_MP_STATE: KVM_MP_STATE_RUNNABLE, _UNINITIALIZED (an AP waiting for INIT/SIPI), _HALTED, ... */
    public int getMpState() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(kvm_mp_state.layout());
            Libc.ioctl(fd, KVM_GET_MP_STATE(), "KVM_GET_MP_STATE", s);
            return kvm_mp_state.mp_state(s);
        }
    }

    /** KVM_SET_VCPU_EVENTS from a struct the caller filled (e.g. to inject an exception). */
    public void setVcpuEvents(MemorySegment events) {
        Libc.ioctl(fd, KVM_SET_VCPU_EVENTS(), "KVM_SET_VCPU_EVENTS", events);
    }

    /** KVM_GET_VCPU_EVENTS into {@code events} ({@code kvm_vcpu_events.layout()}). */
    public void getVcpuEvents(MemorySegment events) {
        Libc.ioctl(fd, KVM_GET_VCPU_EVENTS(), "KVM_GET_VCPU_EVENTS", events);
    }

    /**
     * KVM_SET_SIGNAL_MASK: the signal mask in force while this vCPU is inside KVM_RUN. The kernel's sigset is 8
     * bytes on x86-64, not glibc's 128.
     */
    public void setSignalMask(MemorySegment kernelSigset8) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(kvm_signal_mask.sizeof() + 8, 8);
            kvm_signal_mask.len(m, 8);
            MemorySegment.copy(kernelSigset8, 0, m, kvm_signal_mask.sizeof(), 8);
            Libc.ioctl(fd, KVM_SET_SIGNAL_MASK(), "KVM_SET_SIGNAL_MASK", m);
        }
    }

    @Override
    public void close() {
        arena.close();
        Libc.close(fd);
    }
}
