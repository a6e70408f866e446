package dev.jvmm.cli;

import static dev.jvmm.cli.OptionBinding.option;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ScopeType;

/**
 * The top-level {@code jvmm} command and its global options. Its picocli model is built through the programmatic API
 * ({@link #spec()}), as are its subcommands': reading annotations costs a start the reflection and the proxy
 * classes of each annotation type (issue #5).
 */
final class JvmmCommand implements Runnable {
    private boolean verbose;

    /** The model of {@code jvmm} and its subcommands, bound to this object and to new subcommand objects. */
    CommandSpec spec() {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(this).name("jvmm");
        spec.usageMessage()
                .description("A microVM monitor in Java on KVM.")
                .footerHeading("%nExit status:%n")
                .footer("  0  the guest stopped normally (power-off, reset request, HLT of a flat guest)",
                        "  1  the guest crashed (triple fault, instruction KVM could not emulate, failed entry)",
                        "  2  bad usage or input (unknown option, unreadable or malformed file, impossible size)",
                        "  3  VMM or host error (/dev/kvm unavailable, a KVM or system call failed)");
        spec.versionProvider(new Version());
        spec.addOption(OptionBinding.help());
        spec.addOption(OptionBinding.version());
        // `order` places these after a subcommand's own options in its help (sortOptions = false).
        spec.addOption(option(() -> null, v -> Logging.setLevel((Logging.Level) v), "--log-level")
                .scopeType(ScopeType.INHERIT).paramLabel("LEVEL").order(1).type(Logging.Level.class)
                .description("Log level: error, warn, info, debug, trace (default: warn).").build());
        spec.addOption(option(() -> verbose, v -> verbose((Boolean) v), "-v", "--verbose")
                .scopeType(ScopeType.INHERIT).order(2).type(boolean.class)
                .description("Log at debug level and print stack traces with errors.").build());
        spec.addSubcommand("check", new CheckCommand().spec());
        spec.addSubcommand("boot", new BootCommand().spec());
        return spec;
    }

    private void verbose(boolean v) {
        verbose = v;
        if (v) {
            Logging.setLevel(Logging.Level.DEBUG);
        }
    }

    boolean verbose() {
        return verbose;
    }

    @Override
    public void run() {
        throw new UsageException("missing command: use 'jvmm boot' or 'jvmm check' (see 'jvmm --help')");
    }
}
