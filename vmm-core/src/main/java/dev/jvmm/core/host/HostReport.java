package dev.jvmm.core.host;

import static dev.jvmm.bindings.kvm.kvm_h.*;

import dev.jvmm.core.kvm.Kvm;
import dev.jvmm.core.vm.VmmException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a user needs to know before booting anything: whether /dev/kvm can be used, the KVM API version, the
 * capabilities jvmm relies on, vCPU limits, whether the CPU has hardware virtualization, and /dev/net/tun.
 *
 * @param kvmProblem     why /dev/kvm cannot be used, or empty when it can
 * @param apiVersion     KVM API version, 0 when unknown
 * @param capabilities   each capability jvmm relies on and whether KVM has it (empty when KVM is unusable)
 * @param maxVcpus       KVM_CAP_MAX_VCPUS, 0 when unknown
 * @param recommendedVcpus KVM_CAP_NR_VCPUS, 0 when unknown
 * @param hardwareVirtualization "vmx", "svm", or empty
 * @param tunPresent     whether /dev/net/tun exists (for virtio-net TAP backends)
 */
public record HostReport(Optional<String> kvmProblem, int apiVersion, Map<String, Boolean> capabilities,
                         int maxVcpus, int recommendedVcpus, Optional<String> hardwareVirtualization,
                         boolean tunPresent) {

    /** The capabilities a VM needs; a host lacking one of them cannot run jvmm. */
    public static final List<String> REQUIRED = List.of("KVM_CAP_USER_MEMORY", "KVM_CAP_SET_TSS_ADDR",
            "KVM_CAP_EXT_CPUID", "KVM_CAP_IRQCHIP", "KVM_CAP_HLT", "KVM_CAP_IMMEDIATE_EXIT");

    /** Probes this host. Never throws: problems become part of the report. */
    public static HostReport probe() {
        Optional<String> virt = CpuInfo.hardwareVirtualization();
        boolean tun = Files.exists(Path.of("/dev/net/tun"));
        try (Kvm kvm = Kvm.open()) {
            Map<String, Boolean> caps = new LinkedHashMap<>();
            capability(kvm, caps, "KVM_CAP_USER_MEMORY", KVM_CAP_USER_MEMORY());
            capability(kvm, caps, "KVM_CAP_SET_TSS_ADDR", KVM_CAP_SET_TSS_ADDR());
            capability(kvm, caps, "KVM_CAP_SET_IDENTITY_MAP_ADDR", KVM_CAP_SET_IDENTITY_MAP_ADDR());
            capability(kvm, caps, "KVM_CAP_EXT_CPUID", KVM_CAP_EXT_CPUID());
            capability(kvm, caps, "KVM_CAP_IRQCHIP", KVM_CAP_IRQCHIP());
            capability(kvm, caps, "KVM_CAP_HLT", KVM_CAP_HLT());
            capability(kvm, caps, "KVM_CAP_IMMEDIATE_EXIT", KVM_CAP_IMMEDIATE_EXIT());
            capability(kvm, caps, "KVM_CAP_PIT2", KVM_CAP_PIT2());
            capability(kvm, caps, "KVM_CAP_PIT_STATE2", KVM_CAP_PIT_STATE2());
            capability(kvm, caps, "KVM_CAP_IRQFD", KVM_CAP_IRQFD());
            capability(kvm, caps, "KVM_CAP_IOEVENTFD", KVM_CAP_IOEVENTFD());
            capability(kvm, caps, "KVM_CAP_MP_STATE", KVM_CAP_MP_STATE());
            capability(kvm, caps, "KVM_CAP_VCPU_EVENTS", KVM_CAP_VCPU_EVENTS());
            capability(kvm, caps, "KVM_CAP_XSAVE", KVM_CAP_XSAVE());
            capability(kvm, caps, "KVM_CAP_XCRS", KVM_CAP_XCRS());
            capability(kvm, caps, "KVM_CAP_ADJUST_CLOCK", KVM_CAP_ADJUST_CLOCK());
            capability(kvm, caps, "KVM_CAP_SPLIT_IRQCHIP", KVM_CAP_SPLIT_IRQCHIP());
            int max = kvm.checkExtension(KVM_CAP_MAX_VCPUS());
            int nr = kvm.checkExtension(KVM_CAP_NR_VCPUS());
            Optional<String> problem = REQUIRED.stream().filter(c -> !caps.get(c)).findFirst()
                    .map(c -> "KVM lacks " + c + ", which jvmm needs");
            return new HostReport(problem, kvm.apiVersion(), caps, max, nr, virt, tun);
        } catch (VmmException e) {
            return new HostReport(Optional.of(e.getMessage()), 0, Map.of(), 0, 0, virt, tun);
        } catch (RuntimeException e) {
            return new HostReport(Optional.of("probing " + Kvm.DEVICE + " failed: " + e.getMessage()), 0, Map.of(),
                    0, 0, virt, tun);
        }
    }

    private static void capability(Kvm kvm, Map<String, Boolean> caps, String name, int cap) {
        caps.put(name, kvm.checkExtension(cap) > 0);
    }

    /** Whether jvmm can run VMs on this host. */
    public boolean usable() {
        return kvmProblem.isEmpty();
    }

    /** The report as the lines {@code jvmm check} prints. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add(row(Kvm.DEVICE, kvmProblem.map(p -> "unusable: " + p).orElse("ok")));
        if (apiVersion != 0) {
            out.add(row("KVM API version", Integer.toString(apiVersion)));
            capabilities.forEach((name, has) -> out.add(row("  " + name, has ? "yes" : "no")));
            out.add(row("max vCPUs", maxVcpus + " (recommended " + recommendedVcpus + ")"));
        }
        out.add(row("hardware virtualization", hardwareVirtualization
                .map(v -> "yes (" + v + ")")
                .orElse("no (no vmx/svm in /proc/cpuinfo): guest ring-0 code would be emulated by KVM, slowly")));
        out.add(row("/dev/net/tun", tunPresent ? "present" : "missing (no TAP networking)"));
        out.add(usable() ? "jvmm can run VMs on this host" : "jvmm cannot run VMs on this host");
        return out;
    }

    private static String row(String name, String value) {
        return String.format("%-32s %s", name, value);
    }
}
