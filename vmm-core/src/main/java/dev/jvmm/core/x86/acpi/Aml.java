package dev.jvmm.core.x86.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few ACPI Machine Language encodings a microVM's DSDT needs (ACPI 6.5 §20.2): names, integers, strings,
 * packages, buffers, scopes and devices. Each method returns the encoded bytes of one term.
 */
final class Aml {
    private Aml() {}

    static final int ZERO_OP = 0x00;
    static final int ONE_OP = 0x01;
    static final int NAME_OP = 0x08;
    static final int BYTE_PREFIX = 0x0A;
    static final int WORD_PREFIX = 0x0B;
    static final int DWORD_PREFIX = 0x0C;
    static final int STRING_PREFIX = 0x0D;
    static final int QWORD_PREFIX = 0x0E;
    static final int SCOPE_OP = 0x10;
    static final int BUFFER_OP = 0x11;
    static final int PACKAGE_OP = 0x12;
    static final int EXT_OP_PREFIX = 0x5B;
    static final int DEVICE_OP = 0x82;
    static final int ROOT_CHAR = 0x5C;

    /** A NameSeg (§20.2.2): exactly four characters, '_' or A-Z first, then A-Z, 0-9 or '_'. */
    static byte[] nameSeg(String name) {
        if (!name.matches("[A-Z_][A-Z0-9_]{3}")) {
            throw new IllegalArgumentException("'" + name + "' is not an ACPI NameSeg");
        }
        return name.getBytes(StandardCharsets.US_ASCII);
    }

    /** DefName: {@code Name(name, value)}. */
    static byte[] name(String name, byte[] value) {
        return concat(new byte[] {NAME_OP}, nameSeg(name), value);
    }

    /** The shortest ComputationalData encoding of {@code value} (§20.2.3). */
    static byte[] integer(long value) {
        if (value == 0) {
            return new byte[] {ZERO_OP};
        }
        if (value == 1) {
            return new byte[] {ONE_OP};
        }
        if ((value & ~0xffL) == 0) {
            return new byte[] {BYTE_PREFIX, (byte) value};
        }
        if ((value & ~0xffffL) == 0) {
            return new byte[] {WORD_PREFIX, (byte) value, (byte) (value >>> 8)};
        }
        if ((value & ~0xffff_ffffL) == 0) {
            return concat(new byte[] {DWORD_PREFIX}, le(value, 4));
        }
        return concat(new byte[] {QWORD_PREFIX}, le(value, 8));
    }

    /** A null-terminated ASCII string. */
    static byte[] string(String s) {
        return concat(new byte[] {STRING_PREFIX}, s.getBytes(StandardCharsets.US_ASCII), new byte[] {0});
    }

    /** DefPackage of {@code elements} already encoded (at most 255). */
    static byte[] packageOf(byte[]... elements) {
        byte[] body = concat(new byte[] {(byte) elements.length}, concat(elements));
        return concat(new byte[] {PACKAGE_OP}, pkgLength(body.length), body);
    }

    /** DefBuffer holding {@code data}. */
    static byte[] buffer(byte[] data) {
        byte[] body = concat(integer(data.length), data);
        return concat(new byte[] {BUFFER_OP}, pkgLength(body.length), body);
    }

    /** DefScope with a root-relative name such as {@code \_SB_}. */
    static byte[] scope(String rootName, byte[]... terms) {
        byte[] body = concat(new byte[] {ROOT_CHAR}, nameSeg(rootName), concat(terms));
        return concat(new byte[] {SCOPE_OP}, pkgLength(body.length), body);
    }

    /** DefDevice. */
    static byte[] device(String name, byte[]... terms) {
        byte[] body = concat(nameSeg(name), concat(terms));
        return concat(new byte[] {EXT_OP_PREFIX, (byte) DEVICE_OP}, pkgLength(body.length), body);
    }

    /**
     * PkgLength (§20.2.4) for a body of {@code bodyLength} bytes: the encoded length counts its own bytes. One byte
     * holds up to 63; otherwise bits 7-6 of the lead byte say how many bytes follow and bits 3-0 hold the low nibble.
     */
    static byte[] pkgLength(int bodyLength) {
        if (bodyLength + 1 < 0x40) {
            return new byte[] {(byte) (bodyLength + 1)};
        }
        for (int extra = 1; extra <= 3; extra++) {
            long total = bodyLength + 1L + extra;
            if (total < (1L << (4 + 8 * extra))) {
                byte[] b = new byte[1 + extra];
                b[0] = (byte) ((extra << 6) | (total & 0xf));
                for (int i = 1; i <= extra; i++) {
                    b[i] = (byte) (total >>> (4 + 8 * (i - 1)));
                }
                return b;
            }
        }
        throw new IllegalArgumentException("AML package of " + bodyLength + " bytes is too long");
    }

    static byte[] le(long value, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (value >>> (8 * i));
        }
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
