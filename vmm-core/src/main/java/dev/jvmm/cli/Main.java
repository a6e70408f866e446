package dev.jvmm.cli;

import picocli.CommandLine;

/** Entry point of the {@code jvmm} command: parses the command line and maps every failure to an exit status. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs {@code jvmm} with {@code args} and returns its exit status (for tests and the Java API). */
    public static int run(String... args) {
        Logging.init();
        JvmmCommand top = new JvmmCommand();
        CommandLine cl = new CommandLine(top.spec());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            System.err.println("jvmm: " + ex.getMessage() + " (see 'jvmm "
                    + subcommandName(ex.getCommandLine()) + "--help')");
            return ExitStatus.USAGE.code();
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> Failures.report(ex, top.verbose()));
        return cl.execute(args);
    }

    private static String subcommandName(CommandLine cl) {
        return cl.getParent() == null ? "" : cl.getCommandName() + " ";
    }
}
