package dev.jvmm.core.x86;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuidPolicyTest {
    private static final int SIG = CpuidEntry.FLAG_SIGNIFICANT_INDEX;
    private static final List<CpuidEntry> HOST = List.of(
            new CpuidEntry(0, 0, 0, 0xD, 0x756e_6547, 0x6c65_746e, 0x4965_6e69),
            new CpuidEntry(1, 0, 0, 0x000906EA, 0xFF_FF_0800, (1 << 26) | (1 << 13) | (1 << 0), 0x0000_0201),
            new CpuidEntry(4, 0, SIG, 0x0000_0121, 0, 0, 0),
            new CpuidEntry(4, 3, SIG, 0xFC00_0163, 0, 0, 0),
            new CpuidEntry(7, 0, SIG, 0, (1 << 5) | (1 << 7), 0, 0),
            new CpuidEntry(0xB, 0, SIG, 1, 2, 0x100, 7),
            new CpuidEntry(0xB, 1, SIG, 4, 8, 0x201, 7),
            new CpuidEntry(0xB, 2, SIG, 0, 0, 2, 7));

    @Test
    void leaf1CarriesApicIdCountAndHypervisorBit() {
        List<CpuidEntry> entries = new CpuidPolicy(4, Set.of()).forVcpu(HOST, 2);
        CpuidEntry leaf1 = find(entries, 1, 0);
        assertEquals(2, leaf1.ebx() >>> 24, "initial APIC id");
        assertEquals(4, (leaf1.ebx() >>> 16) & 0xFF, "logical processors");
        assertEquals(0x0800, leaf1.ebx() & 0xFFFF, "CLFLUSH size kept");
        assertTrue(leaf1.ecx() < 0, "hypervisor present (ECX bit 31)");
        assertTrue((leaf1.edx() & (1 << 28)) != 0, "HTT with more than one logical processor");
    }

    @Test
    void extendedTopologyGivesX2ApicIdPerSubleaf() {
        List<CpuidEntry> entries = new CpuidPolicy(3, Set.of()).forVcpu(HOST, 1);
        CpuidEntry smt = find(entries, 0xB, 0);
        CpuidEntry core = find(entries, 0xB, 1);
        CpuidEntry invalid = find(entries, 0xB, 2);
        assertEquals(new CpuidEntry(0xB, 0, SIG, 0, 1, 0x100, 1), smt);
        assertEquals(new CpuidEntry(0xB, 1, SIG, 2, 3, 0x201, 1), core, "shift 2 covers 3 cores");
        assertEquals(new CpuidEntry(0xB, 2, SIG, 0, 0, 2, 1), invalid);
    }

    @Test
    void leaf4CountsCoresAndSharing() {
        List<CpuidEntry> entries = new CpuidPolicy(4, Set.of()).forVcpu(HOST, 0);
        CpuidEntry l1 = find(entries, 4, 0);
        CpuidEntry l3 = find(entries, 4, 3);
        assertEquals(3, l1.eax() >>> 26, "cores per package - 1");
        assertEquals(0, (l1.eax() >>> 14) & 0xFFF, "L1 is per core");
        assertEquals(0x121, l1.eax() & 0x3FFF, "cache type and level kept");
        assertEquals(3, (l3.eax() >>> 14) & 0xFFF, "L3 shared by all");
    }

    @Test
    void addsKvmSignatureLeaf() {
        CpuidEntry signature = find(new CpuidPolicy(1, Set.of()).forVcpu(HOST, 0), 0x4000_0000, 0);
        assertEquals(0x4000_0001, signature.eax());
        byte[] text = new byte[12];
        int[] regs = {signature.ebx(), signature.ecx(), signature.edx()};
        for (int i = 0; i < 12; i++) {
            text[i] = (byte) (regs[i / 4] >>> (8 * (i % 4)));
        }
        assertEquals("KVMKVMKVM\0\0\0", new String(text, java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void keepsKvmFeaturesUnlessHidden() {
        List<CpuidEntry> host = List.of(new CpuidEntry(0x4000_0001, 0, 0, 0x79, 0, 0, 0));
        assertEquals(0x79, find(new CpuidPolicy(1, Set.of()).forVcpu(host, 0), 0x4000_0001, 0).eax());
        assertEquals(0x78, find(new CpuidPolicy(1, Set.of(CpuidFeature.KVMCLOCK)).forVcpu(host, 0),
                0x4000_0001, 0).eax());
    }

    @Test
    void advertisesTheTscDeadlineTimerKvmEmulatesUnlessHidden() {
        int bit = 1 << 24;
        assertEquals(0, find(new CpuidPolicy(2, Set.of()).forVcpu(HOST, 1), 1, 0).ecx() & bit,
                "KVM_GET_SUPPORTED_CPUID leaves it out; without KVM_CAP_TSC_DEADLINE_TIMER it stays out");
        assertEquals(bit, find(new CpuidPolicy(2, Set.of(), true).forVcpu(HOST, 1), 1, 0).ecx() & bit);
        assertEquals(0, find(new CpuidPolicy(2, Set.of(CpuidFeature.TSC_DEADLINE_TIMER), true).forVcpu(HOST, 1), 1, 0)
                .ecx() & bit, "hiding wins");
    }

    @Test
    void clearsHiddenFeaturesOnlyInTheirLeaf() {
        CpuidPolicy policy = new CpuidPolicy(1, Set.of(CpuidFeature.XSAVE, CpuidFeature.CX16, CpuidFeature.AVX2));
        List<CpuidEntry> entries = policy.forVcpu(HOST, 0);
        CpuidEntry leaf1 = find(entries, 1, 0);
        assertEquals(0, leaf1.ecx() & (1 << 26));
        assertEquals(0, leaf1.ecx() & (1 << 13));
        assertEquals(1, leaf1.ecx() & 1, "SSE3 kept");
        CpuidEntry leaf7 = find(entries, 7, 0);
        assertEquals(1 << 7, leaf7.ebx(), "AVX2 gone, SMEP kept");
    }

    @Test
    void featuresAreFoundByCpuinfoName() {
        assertEquals(CpuidFeature.TSC_DEADLINE_TIMER, CpuidFeature.byName("tsc-deadline-timer").orElseThrow());
        assertEquals("cx16", CpuidFeature.CX16.cpuinfoName());
        assertTrue(CpuidFeature.byName("nonsense").isEmpty());
    }

    @Test
    void parsesAFeatureList() {
        assertEquals(Set.of(CpuidFeature.XSAVE, CpuidFeature.CX16), CpuidFeature.parseList("xsave, cx16,"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CpuidFeature.parseList("xsave,warp"));
        assertTrue(e.getMessage().startsWith("unknown CPU feature 'warp'"), e.getMessage());
    }

    @Test
    void rejectsApicIdOutsideTheVcpus() {
        assertThrows(IllegalArgumentException.class, () -> new CpuidPolicy(2, Set.of()).forVcpu(HOST, 2));
        assertThrows(IllegalArgumentException.class, () -> new CpuidPolicy(0, Set.of()));
    }

    private static CpuidEntry find(List<CpuidEntry> entries, int function, int index) {
        return entries.stream().filter(e -> e.function() == function && e.index() == index).findFirst()
                .orElseThrow(() -> new AssertionError("no leaf 0x" + Integer.toHexString(function)));
    }
}
