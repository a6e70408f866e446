package dev.jvmm.core.x86;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The MSR values a Linux guest expects at boot, as firmware leaves them, written to every vCPU before its first
 * KVM_RUN (indices and names from Intel SDM Vol. 4, Table 2-2). KVM resets most of these to the same values; jvmm
 * writes them anyway so the boot state is explicit and does not depend on the KVM version or on the vCPU's past.
 * An MSR is written only where this host can take it: KVM lists it in KVM_GET_MSR_INDEX_LIST, or, for the MTRR
 * default type (which KVM emulates without listing), the guest's CPUID announces MTRRs.
 */
public final class BootMsrs {
    /** When a table entry applies. */
    public enum Condition {
        /** KVM_GET_MSR_INDEX_LIST names the MSR. */
        LISTED_BY_KVM,
        /** The guest's CPUID.01H:EDX.MTRR[bit 12] is set (SDM Vol. 3A, "MTRR Feature Identification"). */
        GUEST_HAS_MTRR
    }

    /** One MSR of the table: its SDM name and index, the boot value, and when it is written. */
    public record Msr(String name, int index, long value, Condition condition) {
        public Msr {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(condition, "condition");
        }
    }

    /** IA32_MISC_ENABLE bit 0: fast-string REP MOVS/STOS. Linux drops REP_GOOD and ERMS without it. */
    public static final long MISC_ENABLE_FAST_STRING = 1L;
    /** IA32_MISC_ENABLE bits 11 and 12 (read-only to the guest): no BTS, no PEBS, as KVM's own reset value says. */
    public static final long MISC_ENABLE_BTS_PEBS_UNAVAILABLE = (1L << 11) | (1L << 12);
    /** IA32_MTRR_DEF_TYPE: E (bit 11) enables the MTRRs, type 6 makes all memory write-back by default. */
    public static final long MTRR_DEF_TYPE_ENABLED_WRITE_BACK = (1L << 11) | 6;

    /** The boot MSRs in the order they are written. */
    public static final List<Msr> TABLE = List.of(
            // The TSC starts at 0 on RESET; KVM takes a host write of 0 at creation as syncing the vCPUs' TSCs.
            new Msr("IA32_TSC", 0x10, 0, Condition.LISTED_BY_KVM),
            // SYSENTER and SYSCALL targets: none until the kernel sets its entry points.
            new Msr("IA32_SYSENTER_CS", 0x174, 0, Condition.LISTED_BY_KVM),
            new Msr("IA32_SYSENTER_ESP", 0x175, 0, Condition.LISTED_BY_KVM),
            new Msr("IA32_SYSENTER_EIP", 0x176, 0, Condition.LISTED_BY_KVM),
            new Msr("IA32_STAR", 0xC000_0081, 0, Condition.LISTED_BY_KVM),
            new Msr("IA32_LSTAR", 0xC000_0082, 0, Condition.LISTED_BY_KVM),
            new Msr("IA32_CSTAR", 0xC000_0083, 0, Condition.LISTED_BY_KVM),
            new Msr("IA32_FMASK", 0xC000_0084, 0, Condition.LISTED_BY_KVM),
            new Msr("IA32_KERNEL_GS_BASE", 0xC000_0102, 0, Condition.LISTED_BY_KVM),
            new Msr("IA32_MISC_ENABLE", 0x1A0, MISC_ENABLE_FAST_STRING | MISC_ENABLE_BTS_PEBS_UNAVAILABLE,
                    Condition.LISTED_BY_KVM),
            // Firmware enables the MTRRs with write-back as the default; left disabled, all memory would be
            // uncacheable to a guest that honours them (SDM Vol. 3A, "IA32_MTRR_DEF_TYPE MSR").
            new Msr("IA32_MTRR_DEF_TYPE", 0x2FF, MTRR_DEF_TYPE_ENABLED_WRITE_BACK, Condition.GUEST_HAS_MTRR));

    private final List<Msr> entries;

    private BootMsrs(List<Msr> entries) {
        this.entries = entries;
    }

    /**
     * The table entries this host and guest take: {@code msrIndexList} is KVM_GET_MSR_INDEX_LIST's answer,
     * {@code guestCpuid} the leaves the vCPU presents (as given to KVM_SET_CPUID2).
     */
    public static BootMsrs select(int[] msrIndexList, List<CpuidEntry> guestCpuid) {
        int[] listed = msrIndexList.clone();
        Arrays.sort(listed);
        boolean mtrr = hasFeature(guestCpuid, CpuidFeature.MTRR);
        return new BootMsrs(TABLE.stream().filter(m -> switch (m.condition()) {
            case LISTED_BY_KVM -> Arrays.binarySearch(listed, m.index()) >= 0;
            case GUEST_HAS_MTRR -> mtrr;
        }).toList());
    }

    private static boolean hasFeature(List<CpuidEntry> cpuid, CpuidFeature f) {
        for (CpuidEntry e : cpuid) {
            if (e.function() == f.function() && e.index() == f.index()) {
                return (e.register(f.register()) & (1 << f.bit())) != 0;
            }
        }
        return false;
    }

    /** The selected entries, in table order. */
    public List<Msr> entries() {
        return entries;
    }

    /** Their indices, for {@code Vcpu.setMsrs}. */
    public int[] indices() {
        return entries.stream().mapToInt(Msr::index).toArray();
    }

    /** Their values, in the order of {@link #indices()}. */
    public long[] values() {
        return entries.stream().mapToLong(Msr::value).toArray();
    }
}
