package dev.jvmm.benchmarks.exit;

import static dev.jvmm.bindings.kvm.kvm_h.KVM_EXIT_IO;
import static dev.jvmm.bindings.kvm.kvm_h.KVM_EXIT_IO_IN;
import static dev.jvmm.bindings.kvm.kvm_h.KVM_EXIT_IO_OUT;
import static dev.jvmm.bindings.kvm.kvm_h.KVM_EXIT_MMIO;

import dev.jvmm.bindings.kvm.kvm_run;
import dev.jvmm.core.kvm.KvmRun;
import dev.jvmm.core.kvm.VcpuExit;
import dev.jvmm.core.vm.BusExits;
import dev.jvmm.devices.bus.Bus;
import dev.jvmm.devices.bus.BusDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * jvmm's userspace share of an exit, natively and without KVM: what the vCPU loop does between two KVM_RUNs for a
 * port I/O or MMIO exit — decode {@code kvm_run} ({@link KvmRun}) and answer it from the bus ({@link BusExits}),
 * with a device registered among others — over a {@code kvm_run} filled as KVM fills it. Beside it the least any
 * VMM does per exit, as the C yardstick does: read {@code exit_reason} and count it. The difference is what jvmm adds
 * to each exit's round trip through the kernel, which this host (no /dev/kvm) cannot time whole.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ExitHandlingBenchmark {
    private static final int PORT = 0x80;
    private static final long MMIO_BASE = 0xd000_0000L;

    /** Which exit kvm_run holds. */
    public enum Kind { PIO_OUT, PIO_IN, MMIO_WRITE, MMIO_READ }

    @Param({"PIO_OUT", "PIO_IN", "MMIO_WRITE", "MMIO_READ"})
    public Kind kind;

    private Arena arena;
    private MemorySegment segment;
    private KvmRun run;
    private BusExits exits;
    private final long[] counts = new long[16];

    /** A device that remembers the last write and answers reads with it, as a register does. */
    private static final class Register implements BusDevice {
        long value;

        @Override
        public long read(long offset, int size) {
            return value;
        }

        @Override
        public void write(long offset, int size, long v) {
            value = v;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofConfined();
        segment = arena.allocate(kvm_run.sizeof() + 64, 8);
        Bus pio = new Bus("pio");
        Bus mmio = new Bus("mmio");
        // A few neighbours, as a VM has (UART, i8042, CMOS, ACPI; virtio windows), so the lookup is not trivial.
        for (int port : new int[] {0x3f8, 0x60, 0x64, 0x70, 0x3c0}) {
            pio.register(port, 1, new Register());
        }
        pio.register(PORT, 1, new Register());
        for (int i = 0; i < 8; i++) {
            mmio.register(MMIO_BASE + i * 0x1000L, 0x1000, new Register());
        }
        exits = new BusExits(pio, mmio);
        run = new KvmRun(segment);
        switch (kind) {
            case PIO_OUT, PIO_IN -> {
                kvm_run.exit_reason(segment, KVM_EXIT_IO());
                MemorySegment io = kvm_run.io(segment);
                kvm_run.io.direction(io, (byte) (kind == Kind.PIO_OUT ? KVM_EXIT_IO_OUT() : KVM_EXIT_IO_IN()));
                kvm_run.io.size(io, (byte) 1);
                kvm_run.io.port(io, (short) PORT);
                kvm_run.io.count(io, 1);
                kvm_run.io.data_offset(io, kvm_run.sizeof());
            }
            case MMIO_WRITE, MMIO_READ -> {
                kvm_run.exit_reason(segment, KVM_EXIT_MMIO());
                MemorySegment m = kvm_run.mmio(segment);
                kvm_run.mmio.phys_addr(m, MMIO_BASE + 5 * 0x1000L + 0x50);
                kvm_run.mmio.len(m, 4);
                kvm_run.mmio.is_write(m, (byte) (kind == Kind.MMIO_WRITE ? 1 : 0));
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** jvmm's vCPU loop for one exit: decode, then the bus. */
    @Benchmark
    public boolean jvmmExitHandling() {
        VcpuExit exit = run.decode();
        return exits.handle(exit, run);
    }

    /** The floor: read exit_reason from kvm_run and count it (the C yardstick's whole userspace work per exit). */
    @Benchmark
    public long readAndCountExitReason() {
        return ++counts[kvm_run.exit_reason(segment) & 15];
    }
}
