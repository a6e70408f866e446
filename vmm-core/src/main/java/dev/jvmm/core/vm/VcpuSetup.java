package dev.jvmm.core.vm;

import dev.jvmm.bindings.kvm.kvm_dtable;
import dev.jvmm.bindings.kvm.kvm_regs;
import dev.jvmm.bindings.kvm.kvm_segment;
import dev.jvmm.bindings.kvm.kvm_sregs;
import dev.jvmm.core.kvm.Vcpu;
import dev.jvmm.core.x86.ControlRegisters;
import dev.jvmm.core.x86.DescriptorTables;
import dev.jvmm.core.x86.Segment;
import java.lang.foreign.MemorySegment;

/** Puts a boot vCPU into the entry state a loader or configurator decided: segments, control registers, RIP. */
final class VcpuSetup {
    private VcpuSetup() {}

    /** Protected or long mode from descriptor tables the VMM wrote into guest memory. */
    static void enter(Vcpu vcpu, DescriptorTables t, ControlRegisters cr, long rip, long rsp, long rsi, long rbx) {
        MemorySegment s = vcpu.getSregs();
        segment(kvm_sregs.cs(s), t.code());
        dataSegments(s, t.data());
        segment(kvm_sregs.tr(s), t.tr());
        dtable(kvm_sregs.gdt(s), t.gdtBase(), t.gdtLimit());
        dtable(kvm_sregs.idt(s), t.idtBase(), t.idtLimit());
        kvm_sregs.cr0(s, cr.cr0());
        kvm_sregs.cr3(s, cr.cr3());
        kvm_sregs.cr4(s, cr.cr4());
        kvm_sregs.efer(s, cr.efer());
        vcpu.setSregs(s);
        regs(vcpu, rip, rsp, rsi, rbx);
    }

    /** Real mode at CS=0, IP={@code rip} (SDM Vol. 3A §9.1: segments keep their reset state otherwise). */
    static void enterRealMode(Vcpu vcpu, Segment code, Segment data, long rip) {
        MemorySegment s = vcpu.getSregs();
        segment(kvm_sregs.cs(s), code);
        dataSegments(s, data);
        vcpu.setSregs(s);
        regs(vcpu, rip, 0, 0, 0);
    }

    private static void regs(Vcpu vcpu, long rip, long rsp, long rsi, long rbx) {
        MemorySegment r = vcpu.getRegs();
        r.fill((byte) 0);
        kvm_regs.rip(r, rip);
        kvm_regs.rsp(r, rsp);
        kvm_regs.rsi(r, rsi);
        kvm_regs.rbx(r, rbx);
        kvm_regs.rflags(r, 0x2);
        vcpu.setRegs(r);
    }

    /** DS, ES, FS, GS and SS all get the same flat data segment. */
    private static void dataSegments(MemorySegment sregs, Segment data) {
        segment(kvm_sregs.ds(sregs), data);
        segment(kvm_sregs.es(sregs), data);
        segment(kvm_sregs.fs(sregs), data);
        segment(kvm_sregs.gs(sregs), data);
        segment(kvm_sregs.ss(sregs), data);
    }

    private static void segment(MemorySegment k, Segment s) {
        kvm_segment.base(k, s.base());
        kvm_segment.limit(k, (int) s.limit());
        kvm_segment.selector(k, (short) s.selector());
        kvm_segment.type(k, (byte) s.type());
        kvm_segment.present(k, (byte) (s.present() ? 1 : 0));
        kvm_segment.dpl(k, (byte) s.dpl());
        kvm_segment.db(k, (byte) (s.db() ? 1 : 0));
        kvm_segment.s(k, (byte) (s.s() ? 1 : 0));
        kvm_segment.l(k, (byte) (s.l() ? 1 : 0));
        kvm_segment.g(k, (byte) (s.g() ? 1 : 0));
        kvm_segment.avl(k, (byte) (s.avl() ? 1 : 0));
        kvm_segment.unusable(k, (byte) 0);
    }

    private static void dtable(MemorySegment d, long base, int limit) {
        kvm_dtable.base(d, base);
        kvm_dtable.limit(d, (short) limit);
    }
}
