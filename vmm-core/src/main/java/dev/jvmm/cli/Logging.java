package dev.jvmm.cli;

import java.util.Locale;
import java.util.Set;

/**
 * Configures the slf4j-simple binding the CLI ships with. It reads system properties once, when the first logger is
 * created, so this runs while the command line is parsed, before any VMM class logs.
 */
final class Logging {
    private static final Set<String> LEVELS = Set.of("error", "warn", "info", "debug", "trace", "off");

    static {
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
        System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
        System.setProperty("org.slf4j.simpleLogger.levelInBrackets", "true");
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
    }

    private Logging() {}

    static void setLevel(String level) {
        String l = level.toLowerCase(Locale.ROOT);
        if (!LEVELS.contains(l)) {
            throw new picocli.CommandLine.TypeConversionException("'" + level
                    + "' is not a log level: use error, warn, info, debug or trace");
        }
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", l);
    }

    /** Ensures the defaults above are set even when no logging option was given. */
    static void init() {}
}
