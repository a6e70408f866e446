package dev.jvmm.core.x86.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds one ACPI system description table: the 36-byte header of ACPI 6.5 §5.2.6 (signature, length, revision,
 * checksum, OEM and creator ids) followed by little-endian fields appended in order. {@link #bytes()} fills in the
 * length and the checksum that makes the whole table sum to zero.
 */
final class SystemDescriptionTable {
    static final int HEADER_SIZE = 36;
    static final String OEM_ID = "JVMM  ";
    static final String OEM_TABLE_ID = "JVMMVM  ";
    static final int CHECKSUM_OFFSET = 9;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    SystemDescriptionTable(String signature, int revision) {
        ascii(signature, 4);
        u32(0); // length, set by bytes()
        u8(revision);
        u8(0); // checksum, set by bytes()
        ascii(OEM_ID, 6);
        ascii(OEM_TABLE_ID, 8);
        u32(1); // OEM revision
        ascii("JVMM", 4); // creator id
        u32(1); // creator revision
    }

    SystemDescriptionTable u8(int v) {
        out.write(v);
        return this;
    }

    SystemDescriptionTable u16(int v) {
        return u8(v).u8(v >>> 8);
    }

    SystemDescriptionTable u32(long v) {
        return u16((int) v).u16((int) (v >>> 16));
    }

    SystemDescriptionTable u64(long v) {
        return u32(v).u32(v >>> 32);
    }

    SystemDescriptionTable bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    SystemDescriptionTable zeros(int n) {
        return bytes(new byte[n]);
    }

    /** A Generic Address Structure (§5.2.3.2) for a system I/O port of {@code width} bytes. */
    SystemDescriptionTable ioPort(int port, int width) {
        u8(port == 0 ? 0 : 1); // address space: 1 = system I/O
        u8(port == 0 ? 0 : width * 8); // register bit width
        u8(0); // bit offset
        u8(port == 0 ? 0 : width); // access size: 1 = byte ... 4 = dword
        return u64(port);
    }

    SystemDescriptionTable ascii(String s, int length) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        if (b.length != length) {
            throw new IllegalArgumentException("'" + s + "' is not " + length + " characters");
        }
        return bytes(b);
    }

    int size() { return out.size(); }

    byte[] bytes() {
        byte[] b = out.toByteArray();
        b[4] = (byte) b.length;
        b[5] = (byte) (b.length >>> 8);
        b[6] = (byte) (b.length >>> 16);
        b[7] = (byte) (b.length >>> 24);
        b[CHECKSUM_OFFSET] = checksum(b, 0, b.length);
        return b;
    }

    /** The byte that makes {@code length} bytes from {@code offset} (with it at 0) sum to zero modulo 256. */
    static byte checksum(byte[] b, int offset, int length) {
        int sum = 0;
        for (int i = offset; i < offset + length; i++) {
            sum += b[i];
        }
        return (byte) -sum;
    }
}
