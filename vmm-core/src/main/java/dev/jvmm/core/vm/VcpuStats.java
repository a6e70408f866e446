package dev.jvmm.core.vm;

import dev.jvmm.core.kvm.VcpuExit;
import java.util.EnumMap;
import java.util.Map;

/**
 * What one vCPU's loop did: exits by reason, when it first entered KVM_RUN, how long it ran and what its thread
 * allocated meanwhile. Written only by the vCPU thread, without allocating; read once that thread has ended.
 */
final class VcpuStats {
    private static final VcpuExit[] REASONS = VcpuExit.values();

    private final int id;
    private final ThreadAllocation allocation;
    private final long[] exits = new long[REASONS.length];
    private long startNanos = -1;
    private long startEpochMillis = -1;
    private long endNanos = -1;
    private long allocatedAtStart = -1;
    private long allocatedAtEnd = -1;

    VcpuStats(int id, ThreadAllocation allocation) {
        this.id = id;
        this.allocation = allocation;
    }

    /** Called on the vCPU thread just before its first KVM_RUN. */
    void begin() {
        allocation.currentThreadAllocatedBytes(); // the first reading may load classes; the second is the baseline
        allocatedAtStart = allocation.currentThreadAllocatedBytes();
        startEpochMillis = System.currentTimeMillis();
        startNanos = System.nanoTime();
    }

    void count(VcpuExit exit) {
        exits[exit.ordinal()]++;
    }

    /** Called on the vCPU thread when it leaves its loop. */
    void end() {
        endNanos = System.nanoTime();
        allocatedAtEnd = allocation.currentThreadAllocatedBytes();
    }

    VcpuMetrics snapshot() {
        Map<VcpuExit, Long> byReason = new EnumMap<>(VcpuExit.class);
        long total = 0;
        for (VcpuExit r : REASONS) {
            long n = exits[r.ordinal()];
            if (n > 0) {
                byReason.put(r, n);
                total += n;
            }
        }
        long ran = startNanos >= 0 && endNanos >= 0 ? endNanos - startNanos : -1;
        long allocated = allocatedAtStart >= 0 && allocatedAtEnd >= 0 ? allocatedAtEnd - allocatedAtStart : -1;
        return new VcpuMetrics(id, byReason, total, startNanos, startEpochMillis, ran, allocated);
    }
}
