package dev.jvmm.cli;

import java.util.Locale;

/**
 * Configures the slf4j-simple binding the CLI ships with. It reads system properties once, when the first logger is
 * created, so this runs while the command line is parsed, before any VMM class logs.
 */
final class Logging {
    /** The levels --log-level takes. */
    enum Level { ERROR, WARN, INFO, DEBUG, TRACE, OFF }

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

    static void setLevel(Level level) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level.name().toLowerCase(Locale.ROOT));
    }

    /** Ensures the defaults above are set even when no logging option was given. */
    static void init() {}
}
