package dev.jvmm.core.vm;

import static dev.jvmm.bindings.kvm.kvm_h.*;

import dev.jvmm.bindings.kvm.kvm_regs;
import dev.jvmm.core.host.CpuInfo;
import dev.jvmm.core.kvm.Vcpu;
import dev.jvmm.core.kvm.VcpuExit;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;

/**
 * Turns an exit that ends the VM into a {@link VmExit} whose diagnosis a user can act on: exit reason, suberror,
 * RIP, the instruction bytes KVM reported, and the host note when KVM emulates ring 0 here.
 */
final class ExitDiagnosis {
    private final boolean emulatedRingZero;

    ExitDiagnosis() {
        this.emulatedRingZero = CpuInfo.hardwareVirtualization().isEmpty();
    }

    VmExit diagnose(Vcpu vcpu, VcpuExit exit) {
        return switch (exit) {
            case SHUTDOWN -> new VmExit(StopReason.TRIPLE_FAULT, "vcpu" + vcpu.id() + " " + rip(vcpu));
            case SYSTEM_EVENT -> systemEvent(vcpu);
            case INTERNAL_ERROR -> new VmExit(StopReason.INTERNAL_ERROR, internalError(vcpu));
            case FAIL_ENTRY -> new VmExit(StopReason.ENTRY_FAILURE, "vcpu" + vcpu.id()
                    + " hardware_entry_failure_reason=0x" + Long.toHexString(vcpu.exit().failEntryReason()) + " " + rip(vcpu));
            default -> new VmExit(StopReason.UNHANDLED_EXIT, "vcpu" + vcpu.id() + " exit_reason="
                    + vcpu.exitReason() + " " + rip(vcpu));
        };
    }

    private static VmExit systemEvent(Vcpu vcpu) {
        int type = vcpu.exit().systemEventType();
        if (type == KVM_SYSTEM_EVENT_SHUTDOWN()) {
            return VmExit.of(StopReason.POWER_OFF);
        } else if (type == KVM_SYSTEM_EVENT_RESET()) {
            return VmExit.of(StopReason.RESET);
        } else if (type == KVM_SYSTEM_EVENT_CRASH()) {
            return new VmExit(StopReason.GUEST_PANIC, "vcpu" + vcpu.id() + " KVM_SYSTEM_EVENT_CRASH");
        }
        return new VmExit(StopReason.UNHANDLED_EXIT, "vcpu" + vcpu.id() + " system event type " + type);
    }

    private String internalError(Vcpu vcpu) {
        int sub = vcpu.exit().internalSuberror();
        long[] data = vcpu.exit().internalData();
        StringBuilder s = new StringBuilder("vcpu").append(vcpu.id()).append(" suberror ").append(sub)
                .append(" (").append(suberrorName(sub)).append(") ").append(rip(vcpu));
        byte[] insn = instructionBytes(sub, data);
        if (insn.length > 0) {
            s.append(", instruction bytes ").append(HexFormat.ofDelimiter(" ").formatHex(insn));
        } else if (data.length > 0) {
            s.append(", data");
            for (long d : data) {
                s.append(" 0x").append(Long.toHexString(d));
            }
        }
        if (emulatedRingZero && sub == KVM_INTERNAL_ERROR_EMULATION()) {
            s.append("; note: ").append(CpuInfo.ringZeroEmulationNote());
        }
        return s.toString();
    }

    /**
     * The instruction bytes of an emulation failure (KVM API §5, KVM_EXIT_INTERNAL_ERROR): data[0] holds flags whose
     * bit 0 (KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) says that insn_size (low byte of data[1]) and up to
     * 15 instruction bytes follow it.
     */
    static byte[] instructionBytes(int suberror, long[] data) {
        if (suberror != KVM_INTERNAL_ERROR_EMULATION() || data.length < 2 || (data[0] & 1) == 0) {
            return new byte[0];
        }
        byte[] raw = new byte[(data.length - 1) * 8];
        for (int i = 1; i < data.length; i++) {
            for (int b = 0; b < 8; b++) {
                raw[(i - 1) * 8 + b] = (byte) (data[i] >>> (8 * b));
            }
        }
        int size = Math.min(Byte.toUnsignedInt(raw[0]), Math.min(15, raw.length - 1));
        byte[] insn = new byte[size];
        System.arraycopy(raw, 1, insn, 0, size);
        return insn;
    }

    static String suberrorName(int sub) {
        if (sub == KVM_INTERNAL_ERROR_EMULATION()) {
            return "emulation failure";
        } else if (sub == KVM_INTERNAL_ERROR_SIMUL_EX()) {
            return "exception while handling an exception";
        } else if (sub == KVM_INTERNAL_ERROR_DELIVERY_EV()) {
            return "event delivery failed";
        } else if (sub == KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON()) {
            return "unexpected exit reason";
        }
        return "unknown";
    }

    private static String rip(Vcpu vcpu) {
        try {
            MemorySegment regs = vcpu.getRegs();
            return "RIP=0x" + Long.toHexString(kvm_regs.rip(regs));
        } catch (RuntimeException e) {
            return "RIP unknown (" + e.getMessage() + ")";
        }
    }
}
