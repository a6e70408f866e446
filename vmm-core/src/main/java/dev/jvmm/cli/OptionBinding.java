package dev.jvmm.cli;

import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Binds a picocli option of the programmatic API to a field of its command, as an annotated field would be: picocli
 * reads the field before it adds to a repeatable option, and stores each converted value in it.
 */
final class OptionBinding implements IGetter, ISetter {
    private final Supplier<Object> get;
    private final Consumer<Object> set;

    private OptionBinding(Supplier<Object> get, Consumer<Object> set) {
        this.get = get;
        this.set = set;
    }

    /** An option builder for {@code names} whose value lives where {@code get} and {@code set} reach it. */
    static OptionSpec.Builder option(Supplier<Object> get, Consumer<Object> set, String... names) {
        OptionBinding b = new OptionBinding(get, set);
        // No initial value: picocli would reset each option to it before parsing, and the fields start empty anyway.
        return OptionSpec.builder(names).getter(b).setter(b).hasInitialValue(false);
    }

    /** The {@code -h, --help} option {@code mixinStandardHelpOptions} adds, without the mixin's annotation scan. */
    static OptionSpec help() {
        return OptionSpec.builder("-h", "--help").type(boolean.class).usageHelp(true).descriptionKey("mixinStandardHelpOptions.help")
                .description("Show this help message and exit.").build();
    }

    /** The {@code -V, --version} option {@code mixinStandardHelpOptions} adds. */
    static OptionSpec version() {
        return OptionSpec.builder("-V", "--version").type(boolean.class).versionHelp(true)
                .descriptionKey("mixinStandardHelpOptions.version")
                .description("Print version information and exit.").build();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get() {
        return (T) get.get();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T set(T value) {
        T previous = (T) get.get();
        set.accept(value);
        return previous;
    }
}
