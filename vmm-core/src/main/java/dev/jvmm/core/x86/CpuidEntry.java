package dev.jvmm.core.x86;

/**
 * One CPUID leaf/subleaf as in struct kvm_cpuid_entry2: {@code function} (EAX in), {@code index} (ECX in),
 * {@code flags} (KVM_CPUID_FLAG_*), and the four output registers.
 */
public record CpuidEntry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {
    /** KVM_CPUID_FLAG_SIGNIFCANT_INDEX: the entry applies only to this {@code index}. */
    public static final int FLAG_SIGNIFICANT_INDEX = 1;

    public CpuidEntry withEax(int value) { return new CpuidEntry(function, index, flags, value, ebx, ecx, edx); }

    public CpuidEntry withEbx(int value) { return new CpuidEntry(function, index, flags, eax, value, ecx, edx); }

    public CpuidEntry withEcx(int value) { return new CpuidEntry(function, index, flags, eax, ebx, value, edx); }

    public CpuidEntry withEdx(int value) { return new CpuidEntry(function, index, flags, eax, ebx, ecx, value); }

    public int register(CpuidFeature.Register register) {
        return switch (register) {
            case EAX -> eax;
            case EBX -> ebx;
            case ECX -> ecx;
            case EDX -> edx;
        };
    }

    public CpuidEntry withRegister(CpuidFeature.Register register, int value) {
        return switch (register) {
            case EAX -> withEax(value);
            case EBX -> withEbx(value);
            case ECX -> withEcx(value);
            case EDX -> withEdx(value);
        };
    }
}
