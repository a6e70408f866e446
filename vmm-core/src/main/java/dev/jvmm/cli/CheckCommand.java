package dev.jvmm.cli;

import dev.jvmm.core.host.HostReport;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code jvmm check}: reports whether this host can run jvmm, and why not. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Report whether this host can run jvmm: /dev/kvm, KVM API version and capabilities,",
            "vCPU limits, hardware virtualization, /dev/net/tun. Exit status 0 when it can, 3 when it cannot."})
final class CheckCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        HostReport report = HostReport.probe();
        report.lines().forEach(System.out::println);
        return report.usable() ? ExitStatus.OK.code() : ExitStatus.VMM_ERROR.code();
    }
}
