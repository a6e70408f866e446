package dev.jvmm.benchmarks.blk;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * CPU time the benchmark's worker threads spent per operation ({@code cpu.time.norm}, user + system, so the
 * syscalls count), next to JMH's wall-clock score. On a shared host a benchmark waits for a core for a varying share
 * of each iteration; its own CPU time per operation does not include that wait, so the device and the reference
 * compare far more steadily on this figure. Use with {@code -prof dev.jvmm.benchmarks.blk.WorkerCpuProfiler}.
 */
public final class WorkerCpuProfiler implements InternalProfiler {
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> before = new HashMap<>();

    @Override
    public String getDescription() { return "CPU time of the jmh-worker threads per operation"; }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        before.clear();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            before.put(t.threadId(), Math.max(0, threads.getThreadCpuTime(t.threadId())));
        }
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
            IterationParams iterationParams, IterationResult result) {
        long nanos = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().contains("jmh-worker")) {
                long now = threads.getThreadCpuTime(t.threadId());
                if (now >= 0) {
                    nanos += now - before.getOrDefault(t.threadId(), 0L);
                }
            }
        }
        long ops = result.getMetadata().getMeasuredOps();
        return List.of(new ScalarResult("cpu.time.norm", ops == 0 ? Double.NaN : (double) nanos / ops, "ns/op",
                AggregationPolicy.AVG));
    }
}
