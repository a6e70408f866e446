package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.fixtures.GuestFixtures;
import dev.jvmm.fixtures.GuestFixtures.VirtioNet;
import dev.jvmm.testing.KvmTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jvmm boot --net tap=...} on /dev/kvm: the virtio-net contract guest broadcasts its ping through the device
 * onto a TAP interface, where {@link TapResponder} (in a private network namespace) answers with a pong that the
 * guest receives. Skipped, with the reason, where KVM, the guest or the namespace plumbing is not available.
 */
@KvmTest
class BootVirtioNetGuestOnKvmTest {
    private static final String TAP = "jvmm-net0";
    /** Not a derived default ({@code NetSpec.defaultMac}), so that the guest's line proves --net's mac= reached the device. */
    private static final String MAC = "52:54:00:6a:76:6d";
    private static final int ETH_ZLEN = 60;

    @TempDir
    Path dir;

    @Test
    void guestPingsThroughTheTapAndReceivesTheResponderPong() throws Exception {
        Path guest = GuestFixtures.virtioNetTest();
        assertTrue(Files.isRegularFile(guest), () -> guest + " missing: guest-fixtures builds it");
        TapResponder.requireHost();

        TapResponder.Run run = TapResponder.boot(dir, TAP, "--kernel", guest.toString(), "--format", "flat",
                "--entry", "long", "--net", "tap=" + TAP + ",mac=" + MAC);

        assertEquals(0, run.status(), run::describe);
        List<String> lines = run.serial().lines().toList();
        assertEquals(List.of(VirtioNet.MAC_PREFIX + MAC),
                lines.stream().filter(l -> l.startsWith(VirtioNet.MAC_PREFIX)).toList(), run::describe);
        assertTrue(lines.contains(VirtioNet.SENT_PING_LINE), run::describe);
        assertTrue(lines.contains(VirtioNet.RECEIVED_PONG_LINE), run::describe);
        assertTrue(lines.contains(VirtioNet.PASS_LINE), run::describe);
        assertEquals(List.of(HexFormat.of().formatHex(pingFrom(MAC))), run.frames(),
                () -> "the responder received exactly the guest's ping\n" + run.describe());
    }

    /** What the guest sends: broadcast, from its MAC, the ethertype, the payload, zero-padded to ETH_ZLEN. */
    private static byte[] pingFrom(String mac) {
        byte[] frame = new byte[ETH_ZLEN];
        Arrays.fill(frame, 0, 6, (byte) 0xff);
        System.arraycopy(HexFormat.ofDelimiter(":").parseHex(mac), 0, frame, 6, 6);
        frame[12] = (byte) (VirtioNet.ETHERTYPE >> 8);
        frame[13] = (byte) VirtioNet.ETHERTYPE;
        byte[] payload = VirtioNet.PING_PAYLOAD.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(payload, 0, frame, 14, payload.length);
        return frame;
    }
}
