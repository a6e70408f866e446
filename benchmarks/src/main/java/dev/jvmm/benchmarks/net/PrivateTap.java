package dev.jvmm.benchmarks.net;

import dev.jvmm.devices.virtio.net.MacAddress;
import dev.jvmm.devices.virtio.net.TapBackend;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A TAP interface the benchmark creates in the network namespace it runs in, which must be a private one
 * ({@code unshare -n}): {@link #open} refuses to touch a namespace that has any interface but {@code lo}. The TAP
 * gets {@link #HOST_IP}/24, is brought up, and knows the guest ({@link #GUEST_IP} at the guest's MAC) as a permanent
 * neighbour, so the namespace's stack sends to the guest without ARP. IPv6 is turned off in the namespace so that no
 * router solicitation or MLD report joins the benchmark's frames. The TAP vanishes with its fd.
 */
final class PrivateTap {
    static final String HOST_IP = "10.77.0.1";
    static final String GUEST_IP = "10.77.0.2";

    private PrivateTap() { }

    /** Creates and configures the TAP; the caller owns the backend (a device closes it). */
    static TapBackend open(MacAddress guestMac) throws IOException {
        List<String> interfaces = interfaces();
        if (!interfaces.equals(List.of("lo"))) {
            throw new IllegalStateException("not in a private network namespace (interfaces " + interfaces
                    + "): run the net benchmark under unshare -n, as bench/run does");
        }
        for (String scope : List.of("all", "default")) {
            Path knob = Path.of("/proc/sys/net/ipv6/conf", scope, "disable_ipv6");
            if (Files.exists(knob)) {
                Files.writeString(knob, "1");
            }
        }
        TapBackend tap = TapBackend.open("jvmmb%d");
        try {
            ip("addr", "add", HOST_IP + "/24", "dev", tap.name());
            ip("link", "set", "dev", tap.name(), "up");
            ip("neigh", "replace", GUEST_IP, "lladdr", guestMac.toString(), "dev", tap.name(), "nud", "permanent");
            return tap;
        } catch (IOException | RuntimeException e) {
            tap.close();
            throw e;
        }
    }

    /** The interfaces of this namespace: /proc/net is per namespace (/sys/class/net shows the mounter's). */
    private static List<String> interfaces() throws IOException {
        List<String> names = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/net/dev"))) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                names.add(line.substring(0, colon).trim());
            }
        }
        return names;
    }

    private static void ip(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + " interrupted", e);
        }
    }
}
