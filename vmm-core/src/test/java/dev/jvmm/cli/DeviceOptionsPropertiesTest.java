package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.core.devices.DiskSpec;
import dev.jvmm.core.devices.NetSpec;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * For any text, a device option's value is either a spec or one {@link UsageException} naming the option and the
 * value; nothing else escapes. Valid specs written out the way a user would are parsed back unchanged.
 */
class DeviceOptionsPropertiesTest {
    private static final int TRIES = 5_000;
    private static final AtomicLong CASES = new AtomicLong();
    private static final AtomicLong ACCEPTED = new AtomicLong();

    @Provide
    Arbitrary<String> optionText() {
        // Mostly the characters the syntax is made of, so that generated values get past the first check.
        return Arbitraries.strings().withChars("ro,id=tapmcsk:/.0123456789abcdefABCDEF-_ \u00e9\n").ofMaxLength(40);
    }

    private static void parsesOrRefusesInOneLine(String option, String value, Function<String, ?> parser) {
        CASES.incrementAndGet();
        try {
            parser.apply(value);
            ACCEPTED.incrementAndGet();
        } catch (UsageException e) {
            assertTrue(e.getMessage().startsWith(option + " '" + DeviceOptions.oneLine(value) + "': "), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
    }

    @Property(tries = TRIES)
    void anyDiskValueIsASpecOrOneUsageError(@ForAll("optionText") String value) {
        parsesOrRefusesInOneLine("--disk", value, DeviceOptions::disk);
    }

    @Property(tries = TRIES)
    void anyNetValueIsASpecOrOneUsageError(@ForAll("optionText") String value) {
        parsesOrRefusesInOneLine("--net", value, v -> DeviceOptions.net(v, 0));
    }

    @Property(tries = TRIES)
    void anyVsockValueIsASpecOrOneUsageError(@ForAll("optionText") String value) {
        parsesOrRefusesInOneLine("--vsock", value, DeviceOptions::vsock);
    }

    @Property(tries = TRIES)
    void diskSpecsWrittenOutParseBack(@ForAll("paths") String path, @ForAll boolean ro,
                                      @ForAll("serials") Optional<String> serial) {
        CASES.incrementAndGet();
        String text = path + (ro ? ",ro" : "") + serial.map(s -> ",id=" + s).orElse("");
        assertEquals(new DiskSpec(Path.of(path), ro, serial), DeviceOptions.disk(text));
    }

    @Property(tries = TRIES)
    void unicastMacsParseToLowerCaseWhateverTheirCase(@ForAll @Size(6) byte[] mac, @ForAll boolean upper) {
        CASES.incrementAndGet();
        mac[0] &= (byte) 0xfe;
        String canonical = HexFormat.ofDelimiter(":").formatHex(mac);
        String given = upper ? canonical.toUpperCase(Locale.ROOT) : canonical;
        assertEquals(new NetSpec("tap0", canonical), DeviceOptions.net("tap=tap0,mac=" + given, 0));
    }

    @Provide
    Arbitrary<String> paths() {
        return Arbitraries.strings().withChars("abc/._-0123456789").ofMinLength(1).ofMaxLength(30)
                .filter(p -> !p.startsWith(",") && !p.isBlank());
    }

    @Provide
    Arbitrary<Optional<String>> serials() {
        return Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(20)
                .filter(s -> s.indexOf(',') < 0).optional();
    }

    @AfterContainer
    static void report() {
        System.out.println("DeviceOptionsPropertiesTest: " + CASES.get() + " cases, " + ACCEPTED.get()
                + " arbitrary values accepted as specs");
    }
}
