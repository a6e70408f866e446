package dev.jvmm.core.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.core.kvm.Kvm;
import dev.jvmm.core.kvm.Vcpu;
import dev.jvmm.core.kvm.Vm;
import dev.jvmm.testing.KvmTest;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The boot MSRs on a real vCPU: KVM accepts every selected entry and reads back what was written. Skipped, with
 * the reason {@code jvmm check} gives, on hosts where KVM cannot be used.
 */
@KvmTest
class BootMsrsOnKvmTest {
    @Test
    void kvmTakesTheBootMsrsAndReadsThemBack() {
        try (Kvm kvm = Kvm.open(); Vm vm = kvm.createVm()) {
            int[] listed = kvm.msrIndexList();
            assertTrue(listed.length > 0);
            List<CpuidEntry> leaves = new CpuidPolicy(1, Set.of()).forVcpu(kvm.supportedCpuid(), 0);
            try (Vcpu vcpu = vm.createVcpu(0)) {
                vcpu.setCpuid2(leaves);
                BootMsrs msrs = BootMsrs.select(listed, leaves);
                assertTrue(msrs.entries().stream().anyMatch(m -> m.name().equals("IA32_MISC_ENABLE")),
                        "KVM lists IA32_MISC_ENABLE");
                vcpu.setMsrs(msrs.indices(), msrs.values());
                long[] back = vcpu.getMsrs(msrs.indices());
                for (int i = 0; i < back.length; i++) {
                    BootMsrs.Msr m = msrs.entries().get(i);
                    if (m.name().equals("IA32_TSC")) {
                        assertTrue(Long.compareUnsigned(back[i], 1L << 40) < 0, "the TSC restarted near 0");
                    } else {
                        assertEquals(m.value(), back[i], m.name());
                    }
                }
            }
        }
    }
}
