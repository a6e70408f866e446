package dev.jvmm.core.vm;

import java.util.List;

/**
 * What a VM did over its run, for {@code --metrics-file} and benchmarks.
 *
 * @param vcpus              one entry per vCPU, by index
 * @param unhandledPio       port accesses no device answered (reads saw all ones, writes were dropped)
 * @param unhandledMmio      MMIO accesses outside RAM that no device answered
 */
public record VmMetrics(List<VcpuMetrics> vcpus, long unhandledPio, long unhandledMmio) {
    public VmMetrics {
        vcpus = List.copyOf(vcpus);
    }

    /** All vCPUs' exits. */
    public long exitCount() {
        return vcpus.stream().mapToLong(VcpuMetrics::exitCount).sum();
    }
}
