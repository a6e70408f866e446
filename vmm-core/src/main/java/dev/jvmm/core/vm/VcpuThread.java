package dev.jvmm.core.vm;

import dev.jvmm.bindings.kvm.kvm_regs;
import dev.jvmm.core.kvm.KvmRun;
import dev.jvmm.core.kvm.Vcpu;
import dev.jvmm.core.kvm.VcpuExit;
import dev.jvmm.devices.bus.Bus;
import dev.jvmm.sys.Libc;
import dev.jvmm.bindings.libc.libc_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KVM_RUN loop of one vCPU on its own platform thread: runs the guest, dispatches port I/O and MMIO exits to
 * the buses, and turns every other exit into a stop of the VM with a diagnosis. The loop allocates nothing.
 *
 * <p>Kicking (ARCHITECTURE.md, known pitfalls): the kick signal is blocked on this thread and unblocked only inside
 * KVM_RUN through KVM_SET_SIGNAL_MASK, so {@link #kick()} makes KVM_RUN return with EINTR without any handler
 * running; the pending signal is then drained with sigtimedwait.
 */
final class VcpuThread implements Runnable {
    // In a holder: slf4j starts on the first log line, not before the first KVM_RUN.
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(VcpuThread.class);
    }

    private final Vcpu vcpu;
    private final BusExits exits;
    private final VmLifecycle lifecycle;
    private final ExitDiagnosis diagnosis;
    private final int kickSignal;
    private final VcpuStats stats;
    private volatile long pthread;
    private final Thread thread;

    VcpuThread(Vcpu vcpu, Bus pio, Bus mmio, VmLifecycle lifecycle, ExitDiagnosis diagnosis, int kickSignal,
               ThreadAllocation allocation) {
        this.vcpu = vcpu;
        this.exits = new BusExits(pio, mmio);
        this.lifecycle = lifecycle;
        this.diagnosis = diagnosis;
        this.kickSignal = kickSignal;
        this.stats = new VcpuStats(vcpu.id(), allocation);
        this.thread = Thread.ofPlatform().name("vcpu" + vcpu.id()).daemon(true).unstarted(this);
    }

    void start() {
        thread.start();
    }

    void join(long millis) throws InterruptedException {
        thread.join(millis);
    }

    /** What the loop did; complete once the thread has ended ({@link #join}). */
    VcpuMetrics metrics() {
        return stats.snapshot();
    }

    /** Makes the vCPU leave KVM_RUN soon; callable from any thread. */
    void kick() {
        vcpu.requestImmediateExit();
        if (Thread.currentThread() == thread) {
            return; // the loop checks for a stop after this exit; a signal to itself would only stay pending
        }
        synchronized (this) {
            // Zero once the loop is done: never signal a thread that has left it (or a pthread id reused since).
            if (pthread != 0) {
                Libc.pthreadKill(pthread, kickSignal);
            }
        }
    }

    /** Leaves the loop for good: no more kicks, and any kick already sent is consumed while still blocked. */
    private void retire(MemorySegment kick) {
        synchronized (this) {
            pthread = 0;
        }
        while (Libc.sigtimedwait(kick, 0) > 0) {
            // drained
        }
    }

    @Override
    public void run() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment kick = Libc.sigset(arena, kickSignal);
            MemorySegment old = arena.allocate(kick.byteSize(), 8);
            Libc.pthreadSigmask(libc_h.SIG_BLOCK(), kick, old);
            // Inside KVM_RUN: the thread's previous mask, which does not block the kick signal.
            vcpu.setSignalMask(old.asSlice(0, 8));
            synchronized (this) {
                pthread = Libc.pthreadSelf();
            }
            stats.begin();
            try {
                loop(kick);
            } finally {
                stats.end();
                retire(kick);
            }
            logWhereStopped();
        } catch (RuntimeException | Error e) {
            Log.LOG.debug("vcpu{} failed", vcpu.id(), e);
            lifecycle.stop(new VmExit(StopReason.VMM_ERROR, "vcpu" + vcpu.id() + ": " + e.getMessage()));
        }
    }

    /** With debug logging: where the guest was when this vCPU left its loop, to tell a hung guest's spin from a halt. */
    private void logWhereStopped() {
        if (Log.LOG.isDebugEnabled()) {
            Log.LOG.debug("vcpu{} stopped at rip 0x{}, mp_state {}", vcpu.id(),
                    Long.toHexString(kvm_regs.rip(vcpu.getRegs())), vcpu.getMpState());
        }
    }

    private void loop(MemorySegment kick) {
        KvmRun run = vcpu.exit();
        while (!lifecycle.stopRequested()) {
            VcpuExit exit = vcpu.run();
            stats.count(exit);
            if (exits.handle(exit, run)) {
                continue;
            }
            switch (exit) {
                case INTERRUPTED -> {
                    vcpu.clearImmediateExit();
                    Libc.sigtimedwait(kick, 0);
                }
                case IRQ_WINDOW_OPEN -> { }
                case HLT -> lifecycle.stop(StopReason.HALTED);
                default -> lifecycle.stop(diagnosis.diagnose(vcpu, exit));
            }
        }
    }
}
