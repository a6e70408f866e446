package dev.jvmm.cli;

import dev.jvmm.core.host.HostReport;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jvmm check}: reports whether this host can run jvmm, and why not. */
final class CheckCommand implements Callable<Integer> {
    /** The picocli model of {@code jvmm check}, bound to this object. */
    CommandSpec spec() {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(this).name("check");
        spec.usageMessage().description(
                "Report whether this host can run jvmm: /dev/kvm, KVM API version and capabilities,",
                "vCPU limits, hardware virtualization, /dev/net/tun. Exit status 0 when it can, 3 when it cannot.");
        spec.addOption(OptionBinding.help());
        spec.addOption(OptionBinding.version());
        return spec;
    }

    @Override
    public Integer call() {
        HostReport report = HostReport.probe();
        report.lines().forEach(System.out::println);
        return report.usable() ? ExitStatus.OK.code() : ExitStatus.VMM_ERROR.code();
    }
}
