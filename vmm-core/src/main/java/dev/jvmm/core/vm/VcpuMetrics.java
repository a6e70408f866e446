package dev.jvmm.core.vm;

import dev.jvmm.core.kvm.VcpuExit;
import java.util.Map;

/**
 * What one vCPU did over a run.
 *
 * @param id                 the vCPU's index
 * @param exits              KVM_RUN returns by reason (reasons that never happened are left out)
 * @param exitCount          all of them
 * @param firstRunNanos      {@link System#nanoTime()} just before the first KVM_RUN (CLOCK_MONOTONIC on Linux), -1
 *                           if it never ran
 * @param firstRunEpochMillis wall-clock time of the same moment, -1 if it never ran
 * @param runNanos           time from the first KVM_RUN to leaving the loop, -1 if not known
 * @param allocatedBytes     heap bytes the vCPU thread allocated over that time, -1 when not measured
 *                           ({@link VmConfig#measureAllocation()})
 */
public record VcpuMetrics(int id, Map<VcpuExit, Long> exits, long exitCount, long firstRunNanos,
                          long firstRunEpochMillis, long runNanos, long allocatedBytes) {
    public VcpuMetrics {
        exits = Map.copyOf(exits);
    }
}
