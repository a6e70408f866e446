package dev.jvmm.cli;

import dev.jvmm.core.devices.DiskSpec;
import dev.jvmm.core.devices.NetSpec;
import dev.jvmm.core.devices.VsockSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Parses the values of {@code jvmm boot}'s device options into device specs: comma-separated {@code key=value}
 * parameters (QEMU's and Cloud Hypervisor's style). Each mistake is one {@link UsageException} naming the option,
 * the value as given and what is expected.
 */
final class DeviceOptions {
    private DeviceOptions() {}

    /** {@code PATH[,ro][,id=SERIAL]}: the path comes first and cannot contain a comma. */
    static DiskSpec disk(String value) {
        String[] parts = value.split(",", -1);
        if (parts[0].isEmpty()) {
            throw usage("--disk", value, "the image path comes first (--disk PATH[,ro][,id=SERIAL])");
        }
        Map<String, String> params = params("--disk", value, parts, 1);
        boolean ro = false;
        Optional<String> id = Optional.empty();
        for (Map.Entry<String, String> p : params.entrySet()) {
            switch (p.getKey()) {
                case "ro" -> {
                    if (p.getValue() != null) {
                        throw usage("--disk", value, "ro takes no value");
                    }
                    ro = true;
                }
                case "id" -> id = Optional.of(required("--disk", value, p));
                default -> throw usage("--disk", value, "unknown parameter '" + p.getKey() + "' (expected ro or id=SERIAL)");
            }
        }
        try {
            return new DiskSpec(Path.of(parts[0]), ro, id);
        } catch (IllegalArgumentException e) {
            throw usage("--disk", value, e.getMessage());
        }
    }

    /** {@code tap=IFNAME[,mac=MAC]}; without a mac, the {@code index}th network device gets a fixed default. */
    static NetSpec net(String value, int index) {
        Map<String, String> params = params("--net", value, value.split(",", -1), 0);
        String tap = null;
        String mac = null;
        for (Map.Entry<String, String> p : params.entrySet()) {
            switch (p.getKey()) {
                case "tap" -> tap = required("--net", value, p);
                case "mac" -> mac = required("--net", value, p);
                default -> throw usage("--net", value, "unknown parameter '" + p.getKey() + "' (expected tap=IFNAME or"
                        + " mac=MAC)");
            }
        }
        if (tap == null) {
            throw usage("--net", value, "tap=IFNAME is required");
        }
        try {
            return new NetSpec(tap, mac != null ? mac : NetSpec.defaultMac(tap, index));
        } catch (IllegalArgumentException e) {
            throw usage("--net", value, e.getMessage());
        }
    }

    /** {@code cid=N,socket=PATH}, both required. */
    static VsockSpec vsock(String value) {
        Map<String, String> params = params("--vsock", value, value.split(",", -1), 0);
        String cid = null;
        String socket = null;
        for (Map.Entry<String, String> p : params.entrySet()) {
            switch (p.getKey()) {
                case "cid" -> cid = required("--vsock", value, p);
                case "socket" -> socket = required("--vsock", value, p);
                default -> throw usage("--vsock", value, "unknown parameter '" + p.getKey() + "' (expected cid=N and"
                        + " socket=PATH)");
            }
        }
        if (cid == null || socket == null) {
            throw usage("--vsock", value, "cid=N and socket=PATH are both required");
        }
        long guestCid;
        try {
            guestCid = Long.parseLong(cid);
        } catch (NumberFormatException e) {
            throw usage("--vsock", value, "the CID '" + cid + "' is not a decimal number");
        }
        try {
            return new VsockSpec(guestCid, Path.of(socket));
        } catch (IllegalArgumentException e) {
            throw usage("--vsock", value, e.getMessage());
        }
    }

    /** {@code key[=value]} pairs from {@code parts[from..]}, in order; a key given twice is refused. */
    private static Map<String, String> params(String option, String value, String[] parts, int from) {
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = from; i < parts.length; i++) {
            String part = parts[i];
            int eq = part.indexOf('=');
            String key = eq < 0 ? part : part.substring(0, eq);
            if (key.isEmpty()) {
                throw usage(option, value, "empty parameter");
            }
            if (params.containsKey(key)) {
                throw usage(option, value, key + " is given twice");
            }
            params.put(key, eq < 0 ? null : part.substring(eq + 1));
        }
        return params;
    }

    private static String required(String option, String value, Map.Entry<String, String> p) {
        if (p.getValue() == null || p.getValue().isEmpty()) {
            throw usage(option, value, p.getKey() + " needs a value (" + p.getKey() + "=...)");
        }
        return p.getValue();
    }

    private static UsageException usage(String option, String value, String problem) {
        return new UsageException(oneLine(option + " '" + value + "': " + problem));
    }

    /** Control characters written as escapes, so that whatever the user typed the message stays one line. */
    static String oneLine(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
