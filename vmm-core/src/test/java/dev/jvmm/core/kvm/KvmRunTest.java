package dev.jvmm.core.kvm;

import static dev.jvmm.bindings.kvm.kvm_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jvmm.bindings.kvm.kvm_run;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** kvm_run read the way KVM writes it (KVM API §5): exit reasons decoded, port I/O and MMIO fields and data. */
class KvmRunTest {
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment segment = arena.allocate(kvm_run.sizeof() + 64, 8);
    private final KvmRun run = new KvmRun(segment);

    @AfterEach
    void close() {
        arena.close();
    }

    private void io(int direction, int port, int size, int count) {
        kvm_run.exit_reason(segment, KVM_EXIT_IO());
        MemorySegment io = kvm_run.io(segment);
        kvm_run.io.direction(io, (byte) direction);
        kvm_run.io.port(io, (short) port);
        kvm_run.io.size(io, (byte) size);
        kvm_run.io.count(io, count);
        kvm_run.io.data_offset(io, kvm_run.sizeof());
    }

    @Test
    void portOutputCarriesEveryItemOfAStringInstruction() {
        io(KVM_EXIT_IO_OUT(), 0xfffe, 2, 3);
        for (int i = 0; i < 3; i++) {
            segment.set(ValueLayout.JAVA_SHORT_UNALIGNED, kvm_run.sizeof() + 2L * i, (short) (0xa000 + i));
        }
        assertEquals(VcpuExit.IO_OUT, run.decode());
        assertEquals(0xfffe, run.ioPort(), "ports are unsigned");
        assertEquals(2, run.ioSize());
        assertEquals(3, run.ioCount());
        assertEquals(0xa002, run.ioData(2));
    }

    @Test
    void portInputIsWrittenWhereKvmReadsIt() {
        io(KVM_EXIT_IO_IN(), 0x71, 1, 1);
        assertEquals(VcpuExit.IO_IN, run.decode());
        run.ioData(0, 0x1ff);
        assertEquals(0xff, Byte.toUnsignedInt(segment.get(ValueLayout.JAVA_BYTE, kvm_run.sizeof())), "size bytes only");
        assertEquals(0, segment.get(ValueLayout.JAVA_BYTE, kvm_run.sizeof() + 1));
    }

    @Test
    void mmioWritesAndReadsUseLenBytesOfData() {
        kvm_run.exit_reason(segment, KVM_EXIT_MMIO());
        MemorySegment m = kvm_run.mmio(segment);
        kvm_run.mmio.phys_addr(m, 0xd000_0050L);
        kvm_run.mmio.len(m, 2);
        kvm_run.mmio.is_write(m, (byte) 1);
        kvm_run.mmio.data(m).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x1122_3344_5566_7788L);
        assertEquals(VcpuExit.MMIO_WRITE, run.decode());
        assertEquals(0xd000_0050L, run.mmioAddress());
        assertEquals(0x7788, run.mmioData());
        kvm_run.mmio.is_write(m, (byte) 0);
        assertEquals(VcpuExit.MMIO_READ, run.decode());
        run.mmioData(0xabcd_ef01L);
        assertEquals(0x1122_3344_5566_ef01L, kvm_run.mmio.data(m).get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
    }

    @Test
    void otherReasonsDecodeByName() {
        kvm_run.exit_reason(segment, KVM_EXIT_HLT());
        assertEquals(VcpuExit.HLT, run.decode());
        kvm_run.exit_reason(segment, KVM_EXIT_SHUTDOWN());
        assertEquals(VcpuExit.SHUTDOWN, run.decode());
        kvm_run.exit_reason(segment, 0x7777);
        assertEquals(VcpuExit.UNKNOWN, run.decode());
    }

    @Test
    void aSegmentSmallerThanKvmRunIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new KvmRun(arena.allocate(16)));
    }
}
