package dev.jvmm.core.x86;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** The boot MSR table against the Intel SDM, and which entries reach a vCPU given KVM's list and the guest CPUID. */
class BootMsrsTest {
    /** What KVM_GET_MSR_INDEX_LIST reports on a typical Intel host, in part: no MTRRs (KVM emulates them unlisted). */
    private static final int[] KVM_LIST = {0x174, 0x175, 0x176, 0xC000_0081, 0xC000_0083, 0xC000_0102, 0xC000_0084,
        0xC000_0082, 0x10, 0x277, 0xC000_0103, 0x48, 0x1A0, 0x6E0, 0x4B56_4D00};
    private static final List<CpuidEntry> WITH_MTRR = List.of(new CpuidEntry(1, 0, 0, 0, 0, 0, 1 << 12));
    private static final List<CpuidEntry> WITHOUT_MTRR = List.of(new CpuidEntry(1, 0, 0, 0, 0, 0, ~(1 << 12)));

    @Test
    void tableHoldsTheSdmIndicesAndTheValuesFirmwareLeaves() {
        Map<String, long[]> expected = new LinkedHashMap<>();
        expected.put("IA32_TSC", new long[] {0x10, 0});
        expected.put("IA32_SYSENTER_CS", new long[] {0x174, 0});
        expected.put("IA32_SYSENTER_ESP", new long[] {0x175, 0});
        expected.put("IA32_SYSENTER_EIP", new long[] {0x176, 0});
        expected.put("IA32_STAR", new long[] {0xC000_0081L, 0});
        expected.put("IA32_LSTAR", new long[] {0xC000_0082L, 0});
        expected.put("IA32_CSTAR", new long[] {0xC000_0083L, 0});
        expected.put("IA32_FMASK", new long[] {0xC000_0084L, 0});
        expected.put("IA32_KERNEL_GS_BASE", new long[] {0xC000_0102L, 0});
        expected.put("IA32_MISC_ENABLE", new long[] {0x1A0, 0x1801});
        expected.put("IA32_MTRR_DEF_TYPE", new long[] {0x2FF, 0x806});
        Map<String, long[]> table = new LinkedHashMap<>();
        for (BootMsrs.Msr m : BootMsrs.TABLE) {
            table.put(m.name(), new long[] {Integer.toUnsignedLong(m.index()), m.value()});
        }
        assertEquals(expected.keySet(), table.keySet());
        expected.forEach((name, v) -> assertArrayEquals(v, table.get(name), name));
    }

    @Test
    void miscEnableKeepsFastStringsOn() {
        assertEquals(1, BootMsrs.MISC_ENABLE_FAST_STRING & 1);
        assertEquals(0x1801, BootMsrs.MISC_ENABLE_FAST_STRING | BootMsrs.MISC_ENABLE_BTS_PEBS_UNAVAILABLE);
    }

    @Test
    void mtrrDefaultTypeIsEnabledWriteBack() {
        assertEquals(0x800, BootMsrs.MTRR_DEF_TYPE_ENABLED_WRITE_BACK & 0x800, "E flag");
        assertEquals(6, BootMsrs.MTRR_DEF_TYPE_ENABLED_WRITE_BACK & 0xFF, "WB");
    }

    @Test
    void everyTableMsrKvmListsIsWrittenInTableOrder() {
        BootMsrs msrs = BootMsrs.select(KVM_LIST, WITH_MTRR);
        assertEquals(BootMsrs.TABLE, msrs.entries());
        assertArrayEquals(BootMsrs.TABLE.stream().mapToInt(BootMsrs.Msr::index).toArray(), msrs.indices());
        assertArrayEquals(BootMsrs.TABLE.stream().mapToLong(BootMsrs.Msr::value).toArray(), msrs.values());
    }

    @Test
    void anMsrKvmDoesNotListIsLeftAlone() {
        int[] withoutCstarAndTsc = java.util.Arrays.stream(KVM_LIST)
                .filter(i -> i != 0xC000_0083 && i != 0x10).toArray();
        Set<String> names = names(BootMsrs.select(withoutCstarAndTsc, WITH_MTRR));
        assertFalse(names.contains("IA32_CSTAR"));
        assertFalse(names.contains("IA32_TSC"));
        assertTrue(names.contains("IA32_LSTAR"));
    }

    @Test
    void listedMsrsOutsideTheTableAreNotWritten() {
        BootMsrs msrs = BootMsrs.select(KVM_LIST, WITHOUT_MTRR);
        for (int index : msrs.indices()) {
            assertTrue(index != 0x277 && index != 0x48 && index != 0x6E0, Integer.toHexString(index));
        }
    }

    @Test
    void mtrrDefaultTypeFollowsTheGuestCpuidNotKvmsList() {
        assertTrue(names(BootMsrs.select(KVM_LIST, WITH_MTRR)).contains("IA32_MTRR_DEF_TYPE"));
        assertFalse(names(BootMsrs.select(KVM_LIST, WITHOUT_MTRR)).contains("IA32_MTRR_DEF_TYPE"));
        assertFalse(names(BootMsrs.select(new int[] {0x2FF}, List.of())).contains("IA32_MTRR_DEF_TYPE"),
                "no leaf 1 at all: no MTRRs");
    }

    @Test
    void anEmptyListWritesNothingKvmMustList() {
        assertEquals(List.of(), BootMsrs.select(new int[0], WITHOUT_MTRR).entries());
    }

    @Test
    void selectLeavesTheCallersListUnsorted() {
        int[] list = KVM_LIST.clone();
        BootMsrs.select(list, WITH_MTRR);
        assertArrayEquals(KVM_LIST, list);
    }

    /** Whatever KVM lists, exactly the listed table entries (plus the CPUID-gated one) are written, in order. */
    @Property(tries = 1000)
    void writesExactlyTheListedTableEntries(@ForAll int[] noise, @ForAll boolean[] keep, @ForAll boolean mtrr) {
        List<Integer> list = new ArrayList<>();
        for (int n : noise) {
            list.add(n);
        }
        List<BootMsrs.Msr> expected = new ArrayList<>();
        for (int i = 0; i < BootMsrs.TABLE.size(); i++) {
            BootMsrs.Msr m = BootMsrs.TABLE.get(i);
            boolean listed = (i < keep.length && keep[i]) || list.contains(m.index());
            if (i < keep.length && keep[i]) {
                list.add(m.index());
            }
            if (m.condition() == BootMsrs.Condition.GUEST_HAS_MTRR ? mtrr : listed) {
                expected.add(m);
            }
        }
        java.util.Collections.shuffle(list);
        BootMsrs msrs = BootMsrs.select(list.stream().mapToInt(Integer::intValue).toArray(),
                mtrr ? WITH_MTRR : WITHOUT_MTRR);
        assertEquals(expected, msrs.entries());
        assertEquals(msrs.indices().length, msrs.values().length);
    }

    private static Set<String> names(BootMsrs msrs) {
        return msrs.entries().stream().map(BootMsrs.Msr::name).collect(Collectors.toSet());
    }
}
