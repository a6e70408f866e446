package dev.jvmm.core.kvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jvmm.bindings.kvm.kvm_msr_list;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Reading {@code struct kvm_msr_list} as KVM_GET_MSR_INDEX_LIST fills it (KVM API §4.3). */
class MsrIndexListTest {
    @Test
    void readsTheCountThenTheIndices() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment list = arena.allocate(kvm_msr_list.sizeof() + 12, 4);
            kvm_msr_list.nmsrs(list, 3);
            kvm_msr_list.indices(list, 0, 0x174);
            kvm_msr_list.indices(list, 1, 0xC000_0081);
            kvm_msr_list.indices(list, 2, 0x10);
            assertArrayEquals(new int[] {0x174, 0xC000_0081, 0x10}, Kvm.msrIndices(list));
        }
    }

    @Test
    void refusesACountTheBufferCannotHold() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment list = arena.allocate(kvm_msr_list.sizeof() + 8, 4);
            kvm_msr_list.nmsrs(list, 3);
            assertThrows(IllegalArgumentException.class, () -> Kvm.msrIndices(list));
            kvm_msr_list.nmsrs(list, -1);
            assertThrows(IllegalArgumentException.class, () -> Kvm.msrIndices(list));
        }
    }
}
