package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvmm.fixtures.GuestFixtures;
import dev.jvmm.fixtures.GuestFixtures.VirtioInitramfs;
import dev.jvmm.testing.Artifacts;
import dev.jvmm.testing.KvmTest;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's stock cloud kernel drives jvmm's virtio devices with its own drivers: virtio_mmio finds each device in
 * the ACPI DSDT, virtio_blk reads the image's token and writes sector 1 (which the image file then holds),
 * virtio-rng becomes the current hardware RNG and yields bytes, a vsock connection reaches the host's Unix socket
 * and back, and virtio_net's eth0 pings the host through a TAP.
 * The initramfs's /init (guest-fixtures' busybox-virtio-initramfs.sh) loads the modules, runs the checks named on
 * the command line and powers off, so jvmm ends with status 0. Needs hardware virtualization; bin/kvm-tests runs it
 * inside a nested-KVM guest on hosts without.
 */
@KvmTest(hardwareVirtualization = true)
class LinuxVirtioOnKvmTest {
    private static final String CMDLINE = "console=ttyS0 reboot=k panic=1";
    private static final int SECTOR = 512;
    private static final int IMAGE_SECTORS = 2048;
    /** The TAP and its addresses live in a network namespace of their own, so any free subnet will do. */
    private static final String TAP = "jvmmtap0";
    private static final String HOST_ADDRESS = "10.0.2.2";
    private static final String GUEST_CIDR = "10.0.2.15/24";
    private static final String GUEST_MAC = "52:54:00:4c:56:01";
    private static final int VSOCK_PORT = 5000;
    private static final String VSOCK_PONG = "JVMM-HOST-VSOCK-PONG";

    @TempDir
    Path dir;

    @Test
    void blockEntropyAndVsockDevicesWorkWithTheStockDrivers() throws Exception {
        String token = randomToken();
        Path image = imageWithToken(token);
        Path socket = dir.resolve("v.sock");
        List<String> args = bootArgs(VirtioInitramfs.checks("blk", "rng", "vsock") + " "
                + VirtioInitramfs.vsockPort(VSOCK_PORT));
        args.addAll(List.of("--disk", image.toString(), "--entropy", "--vsock", "cid=3,socket=" + socket));
        Path serial = dir.resolve("serial.txt");
        args.addAll(List.of("--serial-output", serial.toString()));
        int status;
        CompletableFuture<String> received;
        // The host program of Firecracker's protocol: guest connections to port P reach <socket>_P.
        try (ServerSocketChannel host = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            host.bind(UnixDomainSocketAddress.of(socket + "_" + VSOCK_PORT));
            received = CompletableFuture.supplyAsync(() -> answerOnce(host));
            status = Main.run(args.toArray(String[]::new));
        }
        String out = console(serial);
        assertEquals(0, status, "jvmm " + String.join(" ", args) + " ended with " + status + "; console:\n" + out);
        assertBootedAndLoadedTheModules(out);

        assertTrue(out.contains(VirtioInitramfs.BLK_SECTORS_PREFIX + IMAGE_SECTORS + "\n"), out);
        String tokenHex = HexFormat.of().formatHex(token.getBytes(StandardCharsets.US_ASCII));
        assertTrue(out.contains(VirtioInitramfs.BLK_SECTOR0_PREFIX + tokenHex + "\n"), "token " + token + ": " + out);
        assertTrue(out.contains(VirtioInitramfs.BLK_OK), out);
        byte[] bytes = Files.readAllBytes(image);
        byte[] expected = new byte[SECTOR];
        byte[] marker = VirtioInitramfs.BLK_WRITTEN_MARKER.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(marker, 0, expected, 0, marker.length);
        int at = VirtioInitramfs.BLK_WRITTEN_SECTOR * SECTOR;
        assertArrayEquals(expected, Arrays.copyOfRange(bytes, at, at + SECTOR), "sector 1 after the guest wrote it");
        assertEquals(token, new String(bytes, 0, token.length(), StandardCharsets.US_ASCII), "sector 0 unchanged");

        assertTrue(out.contains(VirtioInitramfs.RNG_CURRENT_PREFIX + "virtio_rng"), out);
        Matcher rng = VirtioInitramfs.RNG_BYTES_LINE.matcher(out);
        assertTrue(rng.find(), out);
        assertFalse(rng.group(1).matches("(00)+"), "32 zero bytes from /dev/hwrng: " + out);
        assertTrue(out.contains(VirtioInitramfs.RNG_OK), out);

        assertEquals(VirtioInitramfs.VSOCK_PING, received.get(1, TimeUnit.SECONDS), "what the guest sent");
        assertTrue(out.contains(VirtioInitramfs.VSOCK_REPLY_PREFIX + VSOCK_PONG + "\n"), out);
        assertTrue(out.contains(VirtioInitramfs.VSOCK_OK), out);
        assertTrue(out.contains("reboot: Power down"), out);
    }

    /** Accepts the guest's vsock connection, reads its message and answers {@link #VSOCK_PONG}. */
    private static String answerOnce(ServerSocketChannel host) {
        try (SocketChannel guest = host.accept()) {
            ByteBuffer message = ByteBuffer.allocate(VirtioInitramfs.VSOCK_PING.length());
            while (message.hasRemaining() && guest.read(message) >= 0) {
                // until the whole message is in
            }
            guest.write(ByteBuffer.wrap(VSOCK_PONG.getBytes(StandardCharsets.US_ASCII)));
            return new String(message.array(), 0, message.position(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return "host side failed: " + e;
        }
    }

    /**
     * jvmm runs in a child process inside a private network namespace ({@code unshare --net}) that also holds a
     * persistent TAP with the host's address; the namespace's own kernel stack answers the guest's ping, and the TAP
     * and its addresses vanish with the process. Needs root (CAP_SYS_ADMIN for the namespace), as inside the nested
     * guest of bin/kvm-tests.
     */
    @Test
    void networkDevicePingsTheHostThroughATapInAPrivateNamespace() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!Boolean.getBoolean("jvmm.requireKvm")) { // bin/kvm-tests' runs (as root) must not skip
            assumeTrue(root, "a TAP in a private network namespace needs root");
        }
        List<String> jvmm = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElseThrow(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        jvmm.addAll(bootArgs(VirtioInitramfs.checks("net") + " "
                + VirtioInitramfs.network(GUEST_CIDR, HOST_ADDRESS)));
        jvmm.addAll(List.of("--net", "tap=" + TAP + ",mac=" + GUEST_MAC));
        Path serial = dir.resolve("serial.txt");
        jvmm.addAll(List.of("--serial-output", serial.toString()));
        // "$@" is jvmm's command: the script makes the TAP first, so the guest's ping finds the host side ready.
        String script = "set -e; ip link set lo up; ip tuntap add dev " + TAP + " mode tap; ip addr add "
                + HOST_ADDRESS + "/24 dev " + TAP + "; ip link set " + TAP + " up; exec \"$@\"";
        List<String> command = new ArrayList<>(List.of("unshare", "--net", "--", "sh", "-c", script, "sh"));
        command.addAll(jvmm);
        Path log = dir.resolve("jvmm.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "jvmm did not end within 5 minutes");
        String out = Files.exists(serial) ? console(serial) : "";
        assertEquals(0, p.exitValue(), "jvmm in a network namespace ended with " + p.exitValue() + "; its output:\n"
                + Files.readString(log) + "\nconsole:\n" + out);
        assertBootedAndLoadedTheModules(out);

        assertTrue(out.contains(VirtioInitramfs.NET_MAC_PREFIX + GUEST_MAC + "\n"), out);
        Matcher tx = VirtioInitramfs.NET_TX_LINE.matcher(out);
        assertTrue(tx.find(), out);
        assertTrue(Long.parseLong(tx.group(2)) > Long.parseLong(tx.group(1)), "eth0 transmitted: " + out);
        assertTrue(out.contains(VirtioInitramfs.NET_OK), "the host answered the guest's ping: " + out);
    }

    /** The serial console's text with the tty's CR LF line ends (ONLCR) as LF. */
    private static String console(Path serial) throws IOException {
        return Files.readString(serial).replace("\r\n", "\n");
    }

    private static List<String> bootArgs(String checks) {
        Path kernel = Artifacts.require(GuestFixtures.stockBzImage(), GuestFixtures.stockKernelMissingReason());
        Path initrd = Artifacts.require(GuestFixtures.busyboxVirtioInitramfs(),
                GuestFixtures.busyboxVirtioInitramfsMissingReason());
        return new ArrayList<>(List.of("boot", "--kernel", kernel.toString(), "--format", "bzimage",
                "--initrd", initrd.toString(), "--cmdline", CMDLINE + " " + checks, "--memory", "256M"));
    }

    private static void assertBootedAndLoadedTheModules(String out) {
        assertTrue(out.contains(VirtioInitramfs.INIT_MARKER), out);
        assertFalse(out.contains(VirtioInitramfs.INSMOD_FAIL_PREFIX), out);
        assertFalse(out.contains(VirtioInitramfs.FAIL), out);
    }

    /** A 1 MiB image whose sector 0 starts with the token, the rest zero. */
    private Path imageWithToken(String token) throws Exception {
        byte[] bytes = new byte[SECTOR * IMAGE_SECTORS];
        System.arraycopy(token.getBytes(StandardCharsets.US_ASCII), 0, bytes, 0, VirtioInitramfs.BLK_TOKEN_LENGTH);
        return Files.write(dir.resolve("disk.img"), bytes);
    }

    private static String randomToken() {
        SecureRandom random = new SecureRandom();
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder token = new StringBuilder();
        for (int i = 0; i < VirtioInitramfs.BLK_TOKEN_LENGTH; i++) {
            token.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return token.toString();
    }
}
