package dev.jvmm.benchmarks.exit;

import static dev.jvmm.bindings.kvm.kvm_h.KVM_RUN;

import dev.jvmm.sys.Libc;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The KVM_RUN call's own cost from Java: {@code Libc.ioctlNoThrow} (an FFM downcall capturing errno, as the vCPU
 * loop makes it) of KVM_RUN on a descriptor that is not open, so the kernel answers EBADF at once and only the
 * crossing into the kernel and back is timed. {@code bench/ioctl-ebadf.c} makes the same call from C, the C
 * yardstick's way; the difference is what the downcall adds to every exit.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class KvmRunDowncallBenchmark {
    private static final int CLOSED_FD = -1;

    @Benchmark
    public int kvmRunOnClosedFd() {
        return Libc.ioctlNoThrow(CLOSED_FD, KVM_RUN(), 0L);
    }
}
