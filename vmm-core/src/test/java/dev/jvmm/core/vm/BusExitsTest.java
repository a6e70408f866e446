package dev.jvmm.core.vm;

import static dev.jvmm.bindings.kvm.kvm_h.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.bindings.kvm.kvm_run;
import dev.jvmm.core.kvm.KvmRun;
import dev.jvmm.core.kvm.VcpuExit;
import dev.jvmm.devices.bus.Bus;
import dev.jvmm.devices.bus.BusDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Port I/O and MMIO exits reach the device mapped at the address; other exits are left to the loop. */
class BusExitsTest {
    private final List<String> accesses = new ArrayList<>();

    private BusDevice device(String name) {
        return new BusDevice() {
            @Override
            public long read(long offset, int size) {
                accesses.add(name + " read +" + offset + "/" + size);
                return 0x5a;
            }

            @Override
            public void write(long offset, int size, long value) {
                accesses.add(name + " write +" + offset + "/" + size + "=" + Long.toHexString(value));
            }
        };
    }

    @Test
    void eachKindReachesItsBusAndOtherExitsDoNot() {
        Bus pio = new Bus("pio");
        Bus mmio = new Bus("mmio");
        pio.register(0x3f8, 8, device("uart"));
        mmio.register(0xd000_0000L, 0x1000, device("virtio"));
        BusExits exits = new BusExits(pio, mmio);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(kvm_run.sizeof() + 8, 8);
            KvmRun run = new KvmRun(s);
            MemorySegment io = kvm_run.io(s);
            kvm_run.io.port(io, (short) 0x3fd);
            kvm_run.io.size(io, (byte) 1);
            kvm_run.io.count(io, 2);
            kvm_run.io.data_offset(io, kvm_run.sizeof());
            s.set(ValueLayout.JAVA_SHORT_UNALIGNED, kvm_run.sizeof(), (short) 0x4241);
            assertTrue(exits.handle(VcpuExit.IO_OUT, run));
            assertTrue(exits.handle(VcpuExit.IO_IN, run));
            assertEquals(0x5a5a, Short.toUnsignedInt(s.get(ValueLayout.JAVA_SHORT_UNALIGNED, kvm_run.sizeof())));
            MemorySegment m = kvm_run.mmio(s);
            kvm_run.mmio.phys_addr(m, 0xd000_0070L);
            kvm_run.mmio.len(m, 4);
            kvm_run.mmio.data(m).set(ValueLayout.JAVA_INT_UNALIGNED, 0, 1);
            assertTrue(exits.handle(VcpuExit.MMIO_WRITE, run));
            assertTrue(exits.handle(VcpuExit.MMIO_READ, run));
            assertFalse(exits.handle(VcpuExit.HLT, run));
            assertFalse(exits.handle(VcpuExit.INTERRUPTED, run));
        }
        assertEquals(List.of("uart write +5/1=41", "uart write +5/1=42", "uart read +5/1", "uart read +5/1",
                "virtio write +112/4=1", "virtio read +112/4"), accesses);
    }
}
