package dev.jvmm.cli;

import java.util.Locale;

/** Sizes as users write them: a number of bytes with an optional K, M, G or T suffix (binary units). */
public final class ByteSize {
    private ByteSize() {}

    /** Parses {@code text} such as {@code 128M}, {@code 1G}, {@code 65536}; throws {@link UsageException}. */
    public static long parse(String option, String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("IB")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("B") && t.length() > 1 && !Character.isDigit(t.charAt(t.length() - 2))) {
            t = t.substring(0, t.length() - 1);
        }
        int shift = 0;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'K' -> shift = 10;
                case 'M' -> shift = 20;
                case 'G' -> shift = 30;
                case 'T' -> shift = 40;
                default -> shift = 0;
            }
        }
        String digits = shift == 0 ? t : t.substring(0, t.length() - 1);
        if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit) || digits.length() > 18) {
            throw new UsageException(option + " '" + text + "' is not a size: write a number with an optional"
                    + " K, M or G suffix, e.g. 128M");
        }
        long value = Long.parseLong(digits);
        if (value > (Long.MAX_VALUE >> shift)) {
            throw new UsageException(option + " '" + text + "' is too large");
        }
        return value << shift;
    }

    /** {@code 134217728} as {@code 128M}; exact multiples only, else bytes. */
    public static String format(long bytes) {
        String[] units = {"T", "G", "M", "K"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            if (bytes != 0 && bytes % (1L << shifts[i]) == 0) {
                return (bytes >> shifts[i]) + units[i];
            }
        }
        return Long.toString(bytes);
    }
}
