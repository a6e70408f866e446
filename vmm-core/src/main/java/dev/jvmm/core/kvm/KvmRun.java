package dev.jvmm.core.kvm;

import static dev.jvmm.bindings.kvm.kvm_h.*;

import dev.jvmm.bindings.kvm.kvm_run;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A vCPU's {@code kvm_run} as an exit: the reason decoded and the fields of the exit union that go with it (KVM API
 * document §5). The slices are made once, so reading an exit allocates nothing. Works over any segment of
 * {@code kvm_run}'s layout: the vCPU's mapping, or memory a benchmark fills.
 */
public final class KvmRun {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private final MemorySegment run;
    private final MemorySegment io;
    private final MemorySegment mmio;
    private final MemorySegment mmioData;
    private final MemorySegment internal;
    private final MemorySegment systemEvent;
    private final MemorySegment failEntry;

    /** Over {@code run}, at least {@code kvm_run}'s size; port I/O data lies at {@code io.data_offset} in it. */
    public KvmRun(MemorySegment run) {
        this.run = Objects.requireNonNull(run, "run");
        if (run.byteSize() < kvm_run.sizeof()) {
            throw new IllegalArgumentException("kvm_run needs " + kvm_run.sizeof() + " bytes, got " + run.byteSize());
        }
        this.io = kvm_run.io(run);
        this.mmio = kvm_run.mmio(run);
        this.mmioData = kvm_run.mmio.data(mmio);
        this.internal = kvm_run.internal(run);
        this.systemEvent = kvm_run.system_event(run);
        this.failEntry = kvm_run.fail_entry(run);
    }

    /** {@code exit_reason}, decoded. */
    public VcpuExit decode() {
        return decode(kvm_run.exit_reason(run));
    }

    private VcpuExit decode(int reason) {
        if (reason == KVM_EXIT_IO()) {
            return kvm_run.io.direction(io) == KVM_EXIT_IO_OUT() ? VcpuExit.IO_OUT : VcpuExit.IO_IN;
        } else if (reason == KVM_EXIT_MMIO()) {
            return kvm_run.mmio.is_write(mmio) != 0 ? VcpuExit.MMIO_WRITE : VcpuExit.MMIO_READ;
        } else if (reason == KVM_EXIT_HLT()) {
            return VcpuExit.HLT;
        } else if (reason == KVM_EXIT_SHUTDOWN()) {
            return VcpuExit.SHUTDOWN;
        } else if (reason == KVM_EXIT_SYSTEM_EVENT()) {
            return VcpuExit.SYSTEM_EVENT;
        } else if (reason == KVM_EXIT_INTERNAL_ERROR()) {
            return VcpuExit.INTERNAL_ERROR;
        } else if (reason == KVM_EXIT_FAIL_ENTRY()) {
            return VcpuExit.FAIL_ENTRY;
        } else if (reason == KVM_EXIT_INTR()) {
            return VcpuExit.INTERRUPTED;
        } else if (reason == KVM_EXIT_IRQ_WINDOW_OPEN()) {
            return VcpuExit.IRQ_WINDOW_OPEN;
        } else if (reason == KVM_EXIT_DEBUG()) {
            return VcpuExit.DEBUG;
        }
        return VcpuExit.UNKNOWN;
    }

    // --- KVM_EXIT_IO (KVM API §5, "struct io"): data at kvm_run + data_offset, count items of size bytes.

    public int ioPort() {
        return Short.toUnsignedInt(kvm_run.io.port(io));
    }

    public int ioSize() {
        return Byte.toUnsignedInt(kvm_run.io.size(io));
    }

    public int ioCount() {
        return kvm_run.io.count(io);
    }

    /** The {@code index}-th value a port-output exit carries. */
    public long ioData(int index) {
        int size = ioSize();
        long at = kvm_run.io.data_offset(io) + (long) index * size;
        return readData(run, at, size);
    }

    /** Sets the {@code index}-th value a port-input exit returns to the guest. */
    public void ioData(int index, long value) {
        int size = ioSize();
        long at = kvm_run.io.data_offset(io) + (long) index * size;
        writeData(run, at, size, value);
    }

    // --- KVM_EXIT_MMIO (KVM API §5, "struct mmio").

    public long mmioAddress() {
        return kvm_run.mmio.phys_addr(mmio);
    }

    public int mmioLength() {
        return kvm_run.mmio.len(mmio);
    }

    public long mmioData() {
        return readData(mmioData, 0, Math.min(8, mmioLength()));
    }

    public void mmioData(long value) {
        writeData(mmioData, 0, Math.min(8, mmioLength()), value);
    }

    private static long readData(MemorySegment s, long at, int size) {
        return switch (size) {
            case 1 -> Byte.toUnsignedLong(s.get(ValueLayout.JAVA_BYTE, at));
            case 2 -> Short.toUnsignedLong(s.get(U16, at));
            case 4 -> Integer.toUnsignedLong(s.get(U32, at));
            case 8 -> s.get(U64, at);
            default -> readBytes(s, at, size);
        };
    }

    private static long readBytes(MemorySegment s, long at, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | Byte.toUnsignedLong(s.get(ValueLayout.JAVA_BYTE, at + i));
        }
        return v;
    }

    private static void writeData(MemorySegment s, long at, int size, long value) {
        switch (size) {
            case 1 -> s.set(ValueLayout.JAVA_BYTE, at, (byte) value);
            case 2 -> s.set(U16, at, (short) value);
            case 4 -> s.set(U32, at, (int) value);
            case 8 -> s.set(U64, at, value);
            default -> {
                for (int i = 0; i < size; i++) {
                    s.set(ValueLayout.JAVA_BYTE, at + i, (byte) (value >>> (8 * i)));
                }
            }
        }
    }

    // --- KVM_EXIT_INTERNAL_ERROR, KVM_EXIT_SYSTEM_EVENT, KVM_EXIT_FAIL_ENTRY.

    public int internalSuberror() {
        return kvm_run.internal.suberror(internal);
    }

    /** {@code internal.data[0..ndata)}. */
    public long[] internalData() {
        int n = Math.min(kvm_run.internal.ndata(internal), 16);
        long[] data = new long[n];
        for (int i = 0; i < n; i++) {
            data[i] = kvm_run.internal.data(internal, i);
        }
        return data;
    }

    public int systemEventType() {
        return kvm_run.system_event.type(systemEvent);
    }

    public long failEntryReason() {
        return kvm_run.fail_entry.hardware_entry_failure_reason(failEntry);
    }
}
