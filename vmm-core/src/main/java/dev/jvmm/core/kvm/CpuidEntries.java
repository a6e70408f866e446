package dev.jvmm.core.kvm;

import dev.jvmm.bindings.kvm.kvm_cpuid2;
import dev.jvmm.bindings.kvm.kvm_cpuid_entry2;
import dev.jvmm.core.x86.CpuidEntry;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** Converts between {@code struct kvm_cpuid2} and {@link CpuidEntry} lists. */
final class CpuidEntries {
    private CpuidEntries() {}

    static List<CpuidEntry> read(MemorySegment cpuid2) {
        int n = kvm_cpuid2.nent(cpuid2);
        List<CpuidEntry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            MemorySegment e = kvm_cpuid2.entries(cpuid2, i);
            entries.add(new CpuidEntry(kvm_cpuid_entry2.function(e), kvm_cpuid_entry2.index(e),
                    kvm_cpuid_entry2.flags(e), kvm_cpuid_entry2.eax(e), kvm_cpuid_entry2.ebx(e),
                    kvm_cpuid_entry2.ecx(e), kvm_cpuid_entry2.edx(e)));
        }
        return entries;
    }

    static MemorySegment write(List<CpuidEntry> entries, Arena arena) {
        MemorySegment cpuid2 = arena.allocate(kvm_cpuid2.sizeof() + entries.size() * kvm_cpuid_entry2.sizeof(), 8);
        kvm_cpuid2.nent(cpuid2, entries.size());
        for (int i = 0; i < entries.size(); i++) {
            CpuidEntry c = entries.get(i);
            MemorySegment e = kvm_cpuid2.entries(cpuid2, i);
            kvm_cpuid_entry2.function(e, c.function());
            kvm_cpuid_entry2.index(e, c.index());
            kvm_cpuid_entry2.flags(e, c.flags());
            kvm_cpuid_entry2.eax(e, c.eax());
            kvm_cpuid_entry2.ebx(e, c.ebx());
            kvm_cpuid_entry2.ecx(e, c.ecx());
            kvm_cpuid_entry2.edx(e, c.edx());
        }
        return cpuid2;
    }
}
