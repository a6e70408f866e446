package dev.jvmm.core.x86;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Turns the CPUID entries KVM supports into the ones one vCPU sees: its APIC id in leaves 1, 0xB and 0x1F, a
 * topology of one package with {@code vcpuCount} single-thread cores (leaves 1, 4, 0xB, 0x1F), the hypervisor bit,
 * the TSC-deadline timer where KVM emulates it, the KVM signature leaf, and with the features in {@code hidden}
 * cleared. Pure: the caller converts to and from kvm_cpuid_entry2.
 */
public final class CpuidPolicy {
    public static final int HYPERVISOR_BIT = 31;
    public static final int HTT_BIT = 28;
    public static final int KVM_SIGNATURE_LEAF = 0x4000_0000;
    public static final int KVM_FEATURES_LEAF = 0x4000_0001;
    /** "KVMKVMKVM\0\0\0" as EBX, ECX, EDX. */
    public static final int KVM_SIGNATURE_EBX = 0x4b4d_564b;
    public static final int KVM_SIGNATURE_ECX = 0x564b_4d56;
    public static final int KVM_SIGNATURE_EDX = 0x0000_004d;
    static final int LEVEL_TYPE_INVALID = 0;
    static final int LEVEL_TYPE_SMT = 1;
    static final int LEVEL_TYPE_CORE = 2;

    private final int vcpuCount;
    private final Set<CpuidFeature> hidden;
    private final boolean tscDeadlineTimer;

    public CpuidPolicy(int vcpuCount, Set<CpuidFeature> hidden) {
        this(vcpuCount, hidden, false);
    }

    /**
     * {@code tscDeadlineTimer}: KVM has KVM_CAP_TSC_DEADLINE_TIMER. KVM emulates that LAPIC timer mode but leaves its
     * bit out of KVM_GET_SUPPORTED_CPUID (KVM API, KVM_GET_SUPPORTED_CPUID), so the VMM sets it; without it Linux
     * programs the LAPIC timer through its initial-count register instead.
     */
    public CpuidPolicy(int vcpuCount, Set<CpuidFeature> hidden, boolean tscDeadlineTimer) {
        if (vcpuCount < 1 || vcpuCount > 255) {
            throw new IllegalArgumentException("vCPU count " + vcpuCount + " outside 1..255 (8-bit APIC ids)");
        }
        this.vcpuCount = vcpuCount;
        this.hidden = hidden.isEmpty() ? EnumSet.noneOf(CpuidFeature.class) : EnumSet.copyOf(hidden);
        this.tscDeadlineTimer = tscDeadlineTimer;
    }

    public int vcpuCount() { return vcpuCount; }

    /** The entries for vCPU {@code apicId} (0..vcpuCount-1), derived from the host-supported {@code supported}. */
    public List<CpuidEntry> forVcpu(List<CpuidEntry> supported, int apicId) {
        if (apicId < 0 || apicId >= vcpuCount) {
            throw new IllegalArgumentException("APIC id " + apicId + " outside 0.." + (vcpuCount - 1));
        }
        List<CpuidEntry> result = new ArrayList<>(supported.size() + 1);
        boolean sawSignature = false;
        for (CpuidEntry entry : supported) {
            CpuidEntry adjusted = switch (entry.function()) {
                case 1 -> leaf1(entry, apicId);
                case 4 -> leaf4(entry);
                case 0xB, 0x1F -> extendedTopology(entry, apicId);
                case KVM_SIGNATURE_LEAF -> signature(entry);
                default -> entry;
            };
            sawSignature |= entry.function() == KVM_SIGNATURE_LEAF;
            result.add(hide(adjusted));
        }
        if (!sawSignature) {
            result.add(signature(new CpuidEntry(KVM_SIGNATURE_LEAF, 0, 0, 0, 0, 0, 0)));
        }
        return result;
    }

    private CpuidEntry leaf1(CpuidEntry entry, int apicId) {
        // EBX[31:24] initial APIC id, [23:16] addressable logical processor ids in the package (valid when HTT).
        int ebx = (entry.ebx() & 0x0000_FFFF) | (apicId << 24) | (Math.min(addressableIds(), 0xFF) << 16);
        int edx = vcpuCount > 1 ? entry.edx() | (1 << HTT_BIT) : entry.edx() & ~(1 << HTT_BIT);
        int ecx = entry.ecx() | (1 << HYPERVISOR_BIT);
        if (tscDeadlineTimer) {
            ecx |= 1 << CpuidFeature.TSC_DEADLINE_TIMER.bit();
        }
        return entry.withEbx(ebx).withEcx(ecx).withEdx(edx);
    }

    private CpuidEntry leaf4(CpuidEntry entry) {
        int cacheLevel = (entry.eax() >>> 5) & 7;
        int sharing = cacheLevel >= 3 ? vcpuCount - 1 : 0; // L1/L2 per core, L3 per package; one thread per core
        // EAX[31:26] addressable core ids in the package - 1, [25:14] addressable ids sharing this cache - 1.
        int eax = (entry.eax() & 0x3FFF) | (sharing << 14) | (Math.min(addressableIds() - 1, 0x3F) << 26);
        return entry.withEax(eax);
    }

    private CpuidEntry extendedTopology(CpuidEntry entry, int apicId) {
        int subleaf = entry.index();
        int eax;
        int ebx;
        int levelType;
        if (subleaf == 0) {
            eax = 0;
            ebx = 1;
            levelType = LEVEL_TYPE_SMT;
        } else if (subleaf == 1) {
            eax = Integer.numberOfTrailingZeros(addressableIds());
            ebx = vcpuCount;
            levelType = LEVEL_TYPE_CORE;
        } else {
            eax = 0;
            ebx = 0;
            levelType = LEVEL_TYPE_INVALID;
        }
        return new CpuidEntry(entry.function(), subleaf, entry.flags(), eax, ebx, (levelType << 8) | (subleaf & 0xFF),
                apicId);
    }

    private static CpuidEntry signature(CpuidEntry entry) {
        return new CpuidEntry(KVM_SIGNATURE_LEAF, 0, entry.flags(), KVM_FEATURES_LEAF, KVM_SIGNATURE_EBX,
                KVM_SIGNATURE_ECX, KVM_SIGNATURE_EDX);
    }

    private CpuidEntry hide(CpuidEntry entry) {
        CpuidEntry result = entry;
        for (CpuidFeature feature : hidden) {
            boolean indexMatters = (entry.flags() & CpuidEntry.FLAG_SIGNIFICANT_INDEX) != 0;
            if (feature.function() == entry.function() && (!indexMatters || feature.index() == entry.index())) {
                result = result.withRegister(feature.register(),
                        result.register(feature.register()) & ~(1 << feature.bit()));
            }
        }
        return result;
    }

    /** Logical processor ids the package reserves: vcpuCount rounded up to a power of two. */
    private int addressableIds() {
        return vcpuCount == 1 ? 1 : Integer.highestOneBit(vcpuCount - 1) << 1;
    }
}
