package dev.jvmm.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The top-level {@code jvmm} command and its global options. */
@Command(name = "jvmm",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "A microVM monitor in Java on KVM.",
        subcommands = {CheckCommand.class, BootCommand.class},
        footerHeading = "%nExit status:%n",
        footer = {
            "  0  the guest stopped normally (power-off, reset request, HLT of a flat guest)",
            "  1  the guest crashed (triple fault, instruction KVM could not emulate, failed entry)",
            "  2  bad usage or input (unknown option, unreadable or malformed file, impossible size)",
            "  3  VMM or host error (/dev/kvm unavailable, a KVM or system call failed)"})
final class JvmmCommand implements Runnable {
    // The options below are methods, and the JVM returns a class's methods in no fixed order (the AOT cache changes
    // it), so `order` fixes where they appear in a subcommand's help (sortOptions = false): after its own options.
    @Option(names = "--log-level", scope = ScopeType.INHERIT, paramLabel = "LEVEL", order = 1,
            description = "Log level: error, warn, info, debug, trace (default: warn).")
    void logLevel(Logging.Level level) {
        Logging.setLevel(level);
    }

    private boolean verbose;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT, order = 2,
            description = "Log at debug level and print stack traces with errors.")
    void verbose(boolean v) {
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
