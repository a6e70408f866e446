package dev.jvmm.core.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.core.kvm.VcpuExit;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One vCPU's figures: exits by reason, run time, and allocation measured from the first KVM_RUN to the end. */
class VcpuStatsTest {
    @Test
    void countsExitsByReasonAndLeavesOutReasonsThatNeverHappened() {
        VcpuStats s = new VcpuStats(3, ThreadAllocation.NONE);
        s.begin();
        for (int i = 0; i < 5; i++) {
            s.count(VcpuExit.IO_OUT);
        }
        s.count(VcpuExit.MMIO_WRITE);
        s.count(VcpuExit.HLT);
        s.end();
        VcpuMetrics m = s.snapshot();
        assertEquals(3, m.id());
        assertEquals(Map.of(VcpuExit.IO_OUT, 5L, VcpuExit.MMIO_WRITE, 1L, VcpuExit.HLT, 1L), m.exits());
        assertEquals(7, m.exitCount());
        assertTrue(m.runNanos() >= 0);
        assertTrue(m.firstRunNanos() > 0 && m.firstRunEpochMillis() > 0);
        assertEquals(-1, m.allocatedBytes(), "not measured");
    }

    @Test
    void allocationIsTheDifferenceFromTheBaselineTakenAtTheFirstRun() {
        long[] counter = {1000};
        VcpuStats s = new VcpuStats(0, () -> counter[0]);
        counter[0] = 1000;
        s.begin();
        counter[0] = 1096;
        s.end();
        assertEquals(96, s.snapshot().allocatedBytes());
    }

    @Test
    void aVcpuThatNeverRanSaysSo() {
        VcpuMetrics m = new VcpuStats(1, ThreadAllocation.NONE).snapshot();
        assertEquals(0, m.exitCount());
        assertEquals(-1, m.firstRunNanos());
        assertEquals(-1, m.runNanos());
    }

    @Test
    void threadMxBeanCountsThisThreadsAllocations() {
        ThreadAllocation a = ThreadAllocation.ofThreadMxBean();
        long before = a.currentThreadAllocatedBytes();
        byte[] garbage = new byte[1 << 20];
        long after = a.currentThreadAllocatedBytes();
        assertTrue(after - before >= garbage.length, before + " -> " + after);
    }
}
