package dev.jvmm.core.x86;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Features a user may hide from the guest, by their /proc/cpuinfo name, with the CPUID bit that announces each
 * (Intel SDM Vol. 2A, CPUID; KVM's Documentation/virt/kvm/x86/cpuid.rst for the 0x40000001 bits). Useful on hosts
 * that emulate ring 0 (nested or paravirtual KVM) where some instructions are slow or unsupported.
 */
public enum CpuidFeature {
    CX16(1, 0, Register.ECX, 13),
    PCID(1, 0, Register.ECX, 17),
    X2APIC(1, 0, Register.ECX, 21),
    TSC_DEADLINE_TIMER(1, 0, Register.ECX, 24),
    XSAVE(1, 0, Register.ECX, 26),
    OSXSAVE(1, 0, Register.ECX, 27),
    AVX(1, 0, Register.ECX, 28),
    RDRAND(1, 0, Register.ECX, 30),
    MTRR(1, 0, Register.EDX, 12),
    FSGSBASE(7, 0, Register.EBX, 0),
    AVX2(7, 0, Register.EBX, 5),
    SMEP(7, 0, Register.EBX, 7),
    INVPCID(7, 0, Register.EBX, 10),
    RDSEED(7, 0, Register.EBX, 18),
    SMAP(7, 0, Register.EBX, 20),
    PKU(7, 0, Register.ECX, 3),
    LA57(7, 0, Register.ECX, 16),
    XSAVEOPT(0xD, 1, Register.EAX, 0),
    XSAVEC(0xD, 1, Register.EAX, 1),
    XSAVES(0xD, 1, Register.EAX, 3),
    PDPE1GB(0x8000_0001, 0, Register.EDX, 26),
    RDTSCP(0x8000_0001, 0, Register.EDX, 27),
    KVMCLOCK(0x4000_0001, 0, Register.EAX, 0),
    KVMCLOCK2(0x4000_0001, 0, Register.EAX, 3),
    KVM_ASYNC_PF(0x4000_0001, 0, Register.EAX, 4),
    KVM_STEAL_TIME(0x4000_0001, 0, Register.EAX, 5),
    KVM_PV_EOI(0x4000_0001, 0, Register.EAX, 6);

    public enum Register { EAX, EBX, ECX, EDX }

    private final int function;
    private final int index;
    private final Register register;
    private final int bit;

    CpuidFeature(int function, int index, Register register, int bit) {
        this.function = function;
        this.index = index;
        this.register = register;
        this.bit = bit;
    }

    public int function() { return function; }

    public int index() { return index; }

    public Register register() { return register; }

    public int bit() { return bit; }

    /** The name as /proc/cpuinfo spells it, e.g. {@code tsc_deadline_timer}, {@code cx16}. */
    public String cpuinfoName() { return name().toLowerCase(Locale.ROOT); }

    /** The feature called {@code name} (case-insensitive; '-' and '_' are the same). */
    public static Optional<CpuidFeature> byName(String name) {
        String wanted = name.trim().replace('-', '_').toUpperCase(Locale.ROOT);
        return Arrays.stream(values()).filter(f -> f.name().equals(wanted)).findFirst();
    }

    /** The features of a comma-separated list such as {@code "xsave,cx16"}; an unknown name is refused. */
    public static Set<CpuidFeature> parseList(String names) {
        Set<CpuidFeature> result = EnumSet.noneOf(CpuidFeature.class);
        for (String name : names.split(",")) {
            if (name.isBlank()) {
                continue;
            }
            result.add(byName(name).orElseThrow(() -> new IllegalArgumentException("unknown CPU feature '"
                    + name.strip() + "'; known: " + Arrays.stream(values()).map(CpuidFeature::cpuinfoName)
                    .collect(Collectors.joining(", ")))));
        }
        return result;
    }
}
