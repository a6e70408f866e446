package dev.jvmm.core.devices;

import dev.jvmm.devices.virtio.net.MacAddress;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * A virtio network device (virtio 1.2 §5.1) on a host TAP interface: {@code --net tap=IFNAME[,mac=MAC]}.
 *
 * @param tap the TAP interface name (at most 15 bytes, Linux's IFNAMSIZ less the NUL)
 * @param mac the device's MAC address (VIRTIO_NET_F_MAC), six lower-case hex octets separated by colons; a
 *            unicast address
 */
public record NetSpec(String tap, String mac) implements DeviceSpec {
    /** IFNAMSIZ (16) less the terminating NUL. */
    public static final int MAX_IFNAME_BYTES = 15;

    public NetSpec {
        Objects.requireNonNull(tap, "tap");
        Objects.requireNonNull(mac, "mac");
        checkIfName(tap);
        mac = canonicalMac(mac);
    }

    /**
     * The MAC of the {@code index}th network device when the user gave none: a locally administered unicast address
     * derived from its TAP's name (unique on a host while in use) and the index, so the same command line gives the
     * same address on every boot and two VMs on one bridge do not collide (QEMU's fixed 52:54:00:12:34:56 would).
     */
    public static String defaultMac(String tap, int index) {
        return MacAddress.derived("tap:" + tap, index).toString();
    }

    private static void checkIfName(String name) {
        if (name.isEmpty() || name.length() > MAX_IFNAME_BYTES) {
            throw new IllegalArgumentException("the interface name \"" + name + "\" must be 1 to " + MAX_IFNAME_BYTES
                    + " characters");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            // What Linux's dev_valid_name() refuses: '/', ':', whitespace; plus non-ASCII, which no TAP needs.
            if (c <= 0x20 || c >= 0x7f || c == '/' || c == ':' || c == ',' || c == '=') {
                throw new IllegalArgumentException("the interface name \"" + name + "\" has a character Linux refuses"
                        + " in interface names");
            }
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("the interface name \"" + name + "\" is not allowed by Linux");
        }
    }

    /** {@code mac} as six lower-case octets, checked to be a unicast address (bit 0 of the first octet clear). */
    static String canonicalMac(String mac) {
        String[] octets = mac.split(":", -1);
        if (octets.length != 6) {
            throw new IllegalArgumentException("the MAC address \"" + mac + "\" is not six octets like 52:54:00:12:34:56");
        }
        byte[] bytes = new byte[6];
        for (int i = 0; i < 6; i++) {
            if (octets[i].length() != 2 || !HexFormat.isHexDigit(octets[i].charAt(0))
                    || !HexFormat.isHexDigit(octets[i].charAt(1))) {
                throw new IllegalArgumentException("the MAC address \"" + mac + "\" is not six octets like"
                        + " 52:54:00:12:34:56");
            }
            bytes[i] = (byte) HexFormat.fromHexDigits(octets[i]);
        }
        if ((bytes[0] & 1) != 0) {
            throw new IllegalArgumentException("the MAC address \"" + mac + "\" is a multicast address; a device needs"
                    + " a unicast one (first octet even)");
        }
        return HexFormat.ofDelimiter(":").formatHex(bytes);
    }

    @Override
    public String option() { return "--net"; }

    @Override
    public String kind() { return "net"; }

    @Override
    public String describe() { return "--net tap=" + tap; }
}
