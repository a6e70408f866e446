package dev.jvmm.bindings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jvmm.bindings.kvm.kvm_fpu;
import dev.jvmm.bindings.kvm.kvm_msr_entry;
import dev.jvmm.bindings.kvm.kvm_msrs;
import dev.jvmm.bindings.kvm.kvm_run;
import dev.jvmm.bindings.kvm.kvm_sregs;
import dev.jvmm.bindings.kvm.kvm_segment;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** The accessor shapes: slices write through to the parent, indexed accessors land on C's offsets. */
class GeneratedAccessorsTest {

    @Test
    void anonymousUnionMembersAreReachedThroughNestedClasses() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment run = kvm_run.allocate(arena);
            kvm_run.io.port(kvm_run.io(run), (short) 0x3F8);
            kvm_run.io.data_offset(kvm_run.io(run), 0x1000);
            assertEquals(0x3F8, run.get(ValueLayout.JAVA_SHORT, kvm_run.io$offset() + kvm_run.io.port$offset()));
            assertEquals(0x1000, kvm_run.io.data_offset(kvm_run.io(run)));
            // every exit member overlays the same union
            assertEquals(kvm_run.io$offset(), kvm_run.mmio$offset());
            kvm_run.mmio.data(kvm_run.mmio(run), 7, (byte) 0x5A);
            assertEquals(0x5A, run.get(ValueLayout.JAVA_BYTE, kvm_run.mmio$offset() + kvm_run.mmio.data$offset() + 7));
            assertThrows(IndexOutOfBoundsException.class, () -> kvm_run.mmio.data(kvm_run.mmio(run), 8));
        }
    }

    @Test
    void nestedStructGetterIsASliceOfTheParent() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sregs = kvm_sregs.allocate(arena);
            kvm_segment.selector(kvm_sregs.cs(sregs), (short) 0x10);
            assertEquals(0x10, sregs.get(ValueLayout.JAVA_SHORT, kvm_sregs.cs$offset() + kvm_segment.selector$offset()));
            assertEquals(kvm_segment.sizeof(), kvm_sregs.cs(sregs).byteSize());
        }
    }

    @Test
    void multiDimensionalArraysIndexRowMajor() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fpu = kvm_fpu.allocate(arena);
            assertArrayEquals(new long[] {8, 16}, kvm_fpu.fpr$dimensions());
            kvm_fpu.fpr(fpu, 1, 2, (byte) 9);
            assertEquals(9, fpu.get(ValueLayout.JAVA_BYTE, kvm_fpu.fpr$offset() + 16 + 2));
        }
    }

    @Test
    void flexibleArrayElementsFollowTheHeader() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment msrs = arena.allocate(kvm_msrs.sizeof() + 3 * kvm_msr_entry.sizeof(), 8);
            kvm_msrs.nmsrs(msrs, 3);
            kvm_msr_entry.index(kvm_msrs.entries(msrs, 2), 0xC000_0080);
            assertEquals(0xC000_0080, msrs.get(ValueLayout.JAVA_INT, kvm_msrs.entries$offset() + 2 * kvm_msr_entry.sizeof()));
            assertArrayEquals(new long[] {0}, kvm_msrs.entries$dimensions());
            assertThrows(IndexOutOfBoundsException.class, () -> kvm_msrs.entries(msrs, 3));
        }
    }
}
