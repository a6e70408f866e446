package dev.jvmm.devices.virtio.net;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A unicast Ethernet address (IEEE 802: 48 bits, first octet first; bit 0 of the first octet marks a group
 * address, bit 1 a locally administered one). A NIC's own address is never a group address nor all zeros, so both
 * are refused.
 */
public final class MacAddress {
    private static final int GROUP_BIT = 0x01;
    private static final int LOCAL_BIT = 0x02;

    private final long bits;

    private MacAddress(long bits) {
        this.bits = bits;
    }

    /**
     * Parses the colon-separated form, e.g. {@code 52:54:00:12:34:56} (hex digits in either case).
     *
     * @throws IllegalArgumentException naming {@code text} when it is not six two-digit hex octets, or is a
     *         multicast/broadcast or all-zero address
     */
    public static MacAddress parse(String text) {
        String[] octets = text.split(":", -1);
        boolean wellFormed = octets.length == 6;
        long bits = 0;
        for (int i = 0; wellFormed && i < 6; i++) {
            wellFormed = octets[i].length() == 2 && HexFormat.isHexDigit(octets[i].charAt(0))
                    && HexFormat.isHexDigit(octets[i].charAt(1));
            if (wellFormed) {
                bits = bits << 8 | HexFormat.fromHexDigits(octets[i]);
            }
        }
        if (!wellFormed) {
            throw new IllegalArgumentException("MAC address \"" + text
                    + "\" is not six hex octets separated by colons, e.g. 52:54:00:12:34:56");
        }
        return of(bits, "MAC address \"" + text + "\"");
    }

    /** The address whose octets are {@code octets} (6 bytes, first octet first). */
    public static MacAddress of(byte[] octets) {
        if (octets.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 octets, not " + octets.length);
        }
        long bits = 0;
        for (byte b : octets) {
            bits = bits << 8 | (b & 0xff);
        }
        return of(bits, "MAC address " + format(bits));
    }

    private static MacAddress of(long bits, String what) {
        if ((bits >>> 40 & GROUP_BIT) != 0) {
            throw new IllegalArgumentException(what + " is a multicast (group) address; a NIC needs a unicast one "
                    + "(clear bit 0 of the first octet)");
        }
        if (bits == 0) {
            throw new IllegalArgumentException(what + " is all zeros, which no NIC may use");
        }
        return new MacAddress(bits);
    }

    /**
     * A stable default for device {@code deviceIndex} of the VM named {@code vmId}: a locally administered unicast
     * address taken from a SHA-256 of both, so the same VM gets the same address on every boot and two VMs (or
     * two NICs of one VM) almost surely differ.
     */
    public static MacAddress derived(String vmId, int deviceIndex) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256")
                    .digest((vmId + "\0" + deviceIndex).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        long bits = (digest[0] & 0xff & ~GROUP_BIT | LOCAL_BIT);
        for (int i = 1; i < 6; i++) {
            bits = bits << 8 | (digest[i] & 0xff);
        }
        return new MacAddress(bits);
    }

    /** The six octets, first octet first (the order of virtio_net_config.mac and the Ethernet header). */
    public byte[] octets() {
        byte[] octets = new byte[6];
        for (int i = 0; i < 6; i++) {
            octets[i] = (byte) (bits >>> 8 * (5 - i));
        }
        return octets;
    }

    /** Whether bit 1 of the first octet is set: an address assigned locally rather than from a vendor's OUI. */
    public boolean isLocallyAdministered() {
        return (bits >>> 40 & LOCAL_BIT) != 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacAddress other && other.bits == bits;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(bits);
    }

    /** Lower-case colon-separated form, as {@code ip link} prints it. */
    @Override
    public String toString() {
        return format(bits);
    }

    private static String format(long bits) {
        StringBuilder s = new StringBuilder(17);
        for (int i = 5; i >= 0; i--) {
            s.append(HexFormat.of().toHexDigits((byte) (bits >>> 8 * i)));
            if (i > 0) {
                s.append(':');
            }
        }
        return s.toString();
    }
}
