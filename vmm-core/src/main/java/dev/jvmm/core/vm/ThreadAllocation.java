package dev.jvmm.core.vm;

import java.lang.management.ManagementFactory;

/**
 * Heap bytes the calling thread has allocated so far, for measuring that the vCPU loop allocates nothing. Only
 * looked up when asked for ({@link VmConfig#measureAllocation()}): the management classes stay off the start path.
 */
@FunctionalInterface
interface ThreadAllocation {
    /** Not measured: every reading is -1. */
    ThreadAllocation NONE = () -> -1;

    /** Bytes allocated by the calling thread since it started, or -1 when not measured. */
    long currentThreadAllocatedBytes();

    /** HotSpot's per-thread allocation counter ({@code com.sun.management.ThreadMXBean}), or {@link #NONE}. */
    static ThreadAllocation ofThreadMxBean() {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean)
                || !bean.isThreadAllocatedMemorySupported()) {
            return NONE;
        }
        bean.setThreadAllocatedMemoryEnabled(true);
        return bean::getCurrentThreadAllocatedBytes;
    }
}
