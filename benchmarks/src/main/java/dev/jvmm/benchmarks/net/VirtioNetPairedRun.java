package dev.jvmm.benchmarks.net;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * {@link VirtioNetBenchmark}'s four methods run in alternating blocks in one JVM, timed by this thread's CPU time
 * (user and system, so the kernel's share of each syscall counts) as well as wall time. On a shared host other
 * processes' load shows in JMH's wall-clock throughput as swings of tens of percent between trials; CPU time of
 * paired, interleaved blocks is what still tells jvmm from the reference there. Run as the JMH benchmark is, in a
 * private network namespace: {@code unshare -n java ... dev.jvmm.benchmarks.net.VirtioNetPairedRun [rounds]}.
 * Prints, per frame size and direction, the medians over rounds of CPU ns and wall ns per frame and the median of
 * the rounds' CPU-time ratios (reference / jvmm: above 1 means jvmm is faster, as for throughput).
 */
public final class VirtioNetPairedRun {
    private static final int TX_INVOCATIONS = 300;
    private static final int RX_INVOCATIONS = 60;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private VirtioNetPairedRun() { }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 21;
        VirtioNetBenchmark bench = new VirtioNetBenchmark();
        for (int size : new int[] {64, 1514}) {
            VirtioNetBenchmark.InboundLink link = new VirtioNetBenchmark.InboundLink();
            link.frameBytes = size;
            link.setUp();
            try {
                double[][] tx = new double[4][rounds];
                double[][] rx = new double[4][rounds];
                for (int round = -5; round < rounds; round++) { // five rounds of warm-up
                    boolean deviceFirst = (round & 1) == 0;
                    for (int k = 0; k < 2; k++) {
                        boolean device = deviceFirst == (k == 0);
                        long[] t = transmit(bench, link, device);
                        long[] r = receive(bench, link, device);
                        if (round >= 0) {
                            int at = device ? 0 : 2;
                            int frames = TX_INVOCATIONS * VirtioNetBenchmark.TX_BATCH;
                            tx[at][round] = (double) t[0] / frames;
                            tx[at + 1][round] = (double) t[1] / frames;
                            frames = RX_INVOCATIONS * VirtioNetBenchmark.RX_BATCH;
                            rx[at][round] = (double) r[0] / frames;
                            rx[at + 1][round] = (double) r[1] / frames;
                        }
                    }
                }
                print("TX", size, tx);
                print("RX", size, rx);
            } finally {
                link.closeSender();
                link.tearDown();
            }
        }
    }

    /** CPU and wall nanoseconds of a block of transmit invocations. */
    private static long[] transmit(VirtioNetBenchmark bench, VirtioNetBenchmark.Link link, boolean device) {
        long cpu = THREADS.getCurrentThreadCpuTime();
        long wall = System.nanoTime();
        for (int i = 0; i < TX_INVOCATIONS; i++) {
            if (device) {
                bench.txVirtioNet(link);
            } else {
                bench.txRawWrite(link);
            }
        }
        return new long[] {THREADS.getCurrentThreadCpuTime() - cpu, System.nanoTime() - wall};
    }

    /** CPU and wall nanoseconds of receive invocations, each after an untimed injection, as JMH does. */
    private static long[] receive(VirtioNetBenchmark bench, VirtioNetBenchmark.InboundLink link, boolean device)
            throws Exception {
        long cpu = 0;
        long wall = 0;
        for (int i = 0; i < RX_INVOCATIONS; i++) {
            link.inject();
            long c = THREADS.getCurrentThreadCpuTime();
            long w = System.nanoTime();
            if (device) {
                bench.rxVirtioNet(link);
            } else {
                bench.rxRawRead(link);
            }
            wall += System.nanoTime() - w;
            cpu += THREADS.getCurrentThreadCpuTime() - c;
        }
        return new long[] {cpu, wall};
    }

    private static void print(String direction, int size, double[][] ns) {
        int rounds = ns[0].length;
        double[] ratios = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            ratios[i] = ns[2][i] / ns[0][i];
        }
        System.out.printf("%s %4d B: jvmm %6.0f ns CPU (%6.0f wall) per frame, raw %6.0f ns CPU (%6.0f wall); "
                + "CPU ratio raw/jvmm %.2f (rounds %d, quartiles %.2f..%.2f)%n", direction, size, median(ns[0]),
                median(ns[1]), median(ns[2]), median(ns[3]), median(ratios), rounds, quantile(ratios, 0.25),
                quantile(ratios, 0.75));
    }

    private static double median(double[] xs) { return quantile(xs, 0.5); }

    private static double quantile(double[] xs, double q) {
        double[] sorted = xs.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.round(q * (sorted.length - 1))];
    }
}
