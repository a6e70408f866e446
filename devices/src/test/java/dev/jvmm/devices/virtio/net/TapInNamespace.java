package dev.jvmm.devices.virtio.net;

import static dev.jvmm.devices.virtio.net.NetDriver.header;
import static dev.jvmm.devices.virtio.net.NetDriver.plainHeader;
import static dev.jvmm.devices.virtio.net.NetDriver.u16;

import dev.jvmm.devices.event.EventLoop;
import dev.jvmm.sys.IoVectors;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real-TAP half of {@link TapBackendTest}, run in a child JVM inside a private network namespace
 * ({@code unshare --net}), so the TAP, its address and its neighbour vanish with the process. The host side is the
 * namespace's own kernel stack: a UDP socket on the TAP's address receives what the device transmits, and a datagram
 * sent to the guest's address (a permanent neighbour entry with the guest's MAC) comes out of the TAP into a receive
 * buffer. Prints what it checked and measured; exits 0 when everything held, 1 with the failure otherwise.
 */
final class TapInNamespace {
    static final MacAddress GUEST_MAC = MacAddress.parse("52:54:00:0a:4d:01");
    static final byte[] HOST_IP = {10, 77, 0, 1};
    static final byte[] GUEST_IP = {10, 77, 0, 2};
    static final int HOST_PORT = 4000;
    static final int GUEST_PORT = 5000;
    static final int BURST = 20_000;

    private TapInNamespace() { }

    public static void main(String[] args) {
        try {
            run();
            System.out.println("ALL CHECKS PASSED");
            System.exit(0);
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            System.exit(1);
        }
    }

    private static void run() throws Exception {
        // No IPv6 router solicitations or MLD reports in the receive queue: only the test's frames.
        for (String scope : List.of("all", "default")) {
            Path knob = Path.of("/proc/sys/net/ipv6/conf", scope, "disable_ipv6");
            if (Files.exists(knob)) {
                Files.writeString(knob, "1");
            }
        }
        expectFailure(() -> TapBackend.open("lo"), "lo", "not a single-queue TAP");

        try (TapBackend tap = TapBackend.open("jvmm%d")) {
            check(tap.name().equals("jvmm0"), "the kernel picked jvmm0 for jvmm%d, not " + tap.name());
            System.out.println("opened " + tap.name() + ", offloads 0x" + Integer.toHexString(tap.supportedOffloads()));
            expectFailure(() -> TapBackend.open(tap.name()), tap.name(), "another process has it open");

            VirtioNet device = new VirtioNet(tap, GUEST_MAC);
            NetDriver driver = new NetDriver(device);
            EventLoop loop = new EventLoop("tap-test", (what, t) -> t.printStackTrace(System.out));
            device.start(loop, driver.transport);
            loop.start();
            long features = driver.start(-1L);
            System.out.println("negotiated features 0x" + Long.toHexString(features));

            ip("addr", "add", "10.77.0.1/24", "dev", tap.name());
            ip("link", "set", tap.name(), "up");
            ip("neigh", "replace", "10.77.0.2", "lladdr", GUEST_MAC.toString(), "dev", tap.name(), "nud", "permanent");
            // /sys still shows the parent namespace; ask ip.
            String link = ip("-o", "link", "show", "dev", tap.name());
            MacAddress tapMac = MacAddress.parse(link.replaceAll("(?s).*link/ether ([0-9a-f:]{17}).*", "$1"));

            try (DatagramSocket host = new DatagramSocket(new InetSocketAddress(InetAddress.getByAddress(HOST_IP), HOST_PORT))) {
                host.setSoTimeout(5000);
                transmitToHost(driver, host, tapMac);
                receiveFromHost(driver, host, tapMac);
                measureTransmit(driver, device, host, tapMac);
                measureBareWrites(tap, host, tapMac);
            }
            loop.close();
            System.out.println("counters: " + device.counters());
        }
    }

    private static void transmitToHost(NetDriver driver, DatagramSocket host, MacAddress tapMac) throws IOException {
        driver.send(plainHeader(), udpFrame(tapMac, GUEST_MAC, GUEST_IP, HOST_IP, GUEST_PORT, HOST_PORT,
                "ping".getBytes(StandardCharsets.US_ASCII), false), 700);
        DatagramPacket p = receive(host);
        check(new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII).equals("ping"), "host got ping");
        check(p.getPort() == GUEST_PORT && Arrays.equals(p.getAddress().getAddress(), GUEST_IP), "from the guest");
        System.out.println("guest -> TAP: UDP datagram arrived at the host socket");

        // A partial checksum for the TAP to complete: the header asks for it, the UDP field holds the pseudo-header sum.
        driver.send(header(VirtioNetHeader.VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 34, 6), udpFrame(tapMac, GUEST_MAC,
                GUEST_IP, HOST_IP, GUEST_PORT, HOST_PORT, "ping-csum".getBytes(StandardCharsets.US_ASCII), true));
        p = receive(host);
        check(new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII).equals("ping-csum"),
                "host got the frame whose checksum the TAP completed");
        System.out.println("guest -> TAP: frame with VIRTIO_NET_HDR_F_NEEDS_CSUM accepted");
    }

    private static void receiveFromHost(NetDriver driver, DatagramSocket host, MacAddress tapMac) throws Exception {
        for (int i = 0; i < 8; i++) {
            driver.postRx(VirtioNetHeader.BYTES + VirtioNet.MAX_FRAME_BYTES);
        }
        driver.notifyRx();
        byte[] payload = "pong".getBytes(StandardCharsets.US_ASCII);
        host.send(new DatagramPacket(payload, payload.length, InetAddress.getByAddress(GUEST_IP), GUEST_PORT));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            byte[] got = driver.nextReceived();
            if (got == null) {
                check(System.nanoTime() < deadline, "no UDP frame for the guest came out of the TAP within 5 s");
                Thread.sleep(1);
                continue;
            }
            int eth = VirtioNetHeader.BYTES;
            if (got.length < eth + 42 || u16be(got, eth + 12) != 0x0800 || got[eth + 23] != 17
                    || u16be(got, eth + 36) != GUEST_PORT) {
                System.out.println("skipping a frame of " + (got.length - eth) + " bytes, EtherType 0x"
                        + Integer.toHexString(u16be(got, eth + 12)));
                continue;
            }
            check(Arrays.equals(Arrays.copyOfRange(got, eth, eth + 6), GUEST_MAC.octets()), "to the guest's MAC");
            check(Arrays.equals(Arrays.copyOfRange(got, eth + 6, eth + 12), tapMac.octets()), "from the TAP's MAC");
            check(Arrays.equals(Arrays.copyOfRange(got, eth + 26, eth + 30), HOST_IP), "from the host's address");
            check(Arrays.equals(Arrays.copyOfRange(got, eth + 42, got.length), payload), "payload pong");
            check(u16(got, 10) == 1, "num_buffers 1");
            int flags = got[0];
            if ((flags & VirtioNetHeader.VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0) {
                check(u16(got, 6) == 34 && u16(got, 8) == 6, "partial checksum at the UDP checksum field");
            }
            System.out.println("TAP -> guest: UDP datagram placed in a receive buffer, header flags " + flags);
            return;
        }
    }

    /** Whole-path rate of guest frames into the TAP (driver model, device, writev), and how many the host took. */
    private static void measureTransmit(NetDriver driver, VirtioNet device, DatagramSocket host, MacAddress tapMac)
            throws IOException {
        byte[] frame = udpFrame(tapMac, GUEST_MAC, GUEST_IP, HOST_IP, GUEST_PORT, HOST_PORT, new byte[1000], false);
        for (int i = 0; i < 3 * BURST; i++) {
            driver.send(plainHeader(), frame); // warm-up: let the JIT compile the path
        }
        drain(host);
        long before = device.counters().txFrames();
        long start = System.nanoTime();
        for (int i = 0; i < BURST; i++) {
            driver.send(plainHeader(), frame);
        }
        long nanos = System.nanoTime() - start;
        long sent = device.counters().txFrames() - before;
        int received = drain(host);
        check(sent == BURST, "every frame went into the TAP: " + sent);
        System.out.printf("measured: %d frames of %d B into the TAP in %.1f ms (%.0f frames/s, %.1f us each); "
                + "the host socket kept %d (the rest overflowed its receive buffer)%n", BURST, frame.length,
                nanos / 1e6, BURST / (nanos / 1e9), nanos / 1e3 / BURST, received);
    }

    /** The same frames written straight to the TAP, no device: the kernel's share of the figure above. */
    private static void measureBareWrites(TapBackend tap, DatagramSocket host, MacAddress tapMac) throws IOException {
        byte[] frame = NetDriver.concat(plainHeader(), udpFrame(tapMac, GUEST_MAC, GUEST_IP, HOST_IP, GUEST_PORT,
                HOST_PORT, new byte[1000], false));
        try (Arena arena = Arena.ofConfined(); IoVectors vectors = new IoVectors(1)) {
            vectors.add(arena.allocateFrom(ValueLayout.JAVA_BYTE, frame));
            for (int i = 0; i < BURST / 4; i++) {
                tap.writeFrame(vectors);
            }
            drain(host);
            long start = System.nanoTime();
            for (int i = 0; i < BURST; i++) {
                check(tap.writeFrame(vectors) == frame.length, "bare write");
            }
            long nanos = System.nanoTime() - start;
            drain(host);
            System.out.printf("measured: the same %d frames written straight to the TAP (no device) in %.1f ms "
                    + "(%.1f us each)%n", BURST, nanos / 1e6, nanos / 1e3 / BURST);
        }
    }

    private static int drain(DatagramSocket host) throws IOException {
        host.setSoTimeout(200);
        int received = 0;
        try {
            while (true) {
                receive(host);
                received++;
            }
        } catch (SocketTimeoutException e) {
            return received;
        }
    }

    private static DatagramPacket receive(DatagramSocket socket) throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        socket.receive(p);
        return p;
    }

    /** Ethernet + IPv4 + UDP; with {@code partial}, the UDP checksum field holds the folded pseudo-header sum. */
    static byte[] udpFrame(MacAddress dst, MacAddress src, byte[] srcIp, byte[] dstIp, int srcPort, int dstPort,
            byte[] payload, boolean partial) {
        byte[] f = new byte[14 + 20 + 8 + payload.length];
        System.arraycopy(dst.octets(), 0, f, 0, 6);
        System.arraycopy(src.octets(), 0, f, 6, 6);
        putBe(f, 12, 0x0800);
        f[14] = 0x45;
        putBe(f, 16, 20 + 8 + payload.length);
        f[22] = 64;
        f[23] = 17;
        System.arraycopy(srcIp, 0, f, 26, 4);
        System.arraycopy(dstIp, 0, f, 30, 4);
        putBe(f, 24, ~sum(f, 14, 20, 0) & 0xffff);
        putBe(f, 34, srcPort);
        putBe(f, 36, dstPort);
        putBe(f, 38, 8 + payload.length);
        System.arraycopy(payload, 0, f, 42, payload.length);
        if (partial) {
            int pseudo = sum(srcIp, 0, 4, 0) + sum(dstIp, 0, 4, 0) + 17 + 8 + payload.length;
            putBe(f, 40, fold(pseudo));
        }
        return f;
    }

    private static int sum(byte[] b, int from, int length, int start) {
        int s = start;
        for (int i = 0; i < length; i += 2) {
            s += (b[from + i] & 0xff) << 8 | (i + 1 < length ? b[from + i + 1] & 0xff : 0);
        }
        return fold(s);
    }

    private static int fold(int s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return s;
    }

    private static void putBe(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 8);
        b[at + 1] = (byte) value;
    }

    private static int u16be(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | b[at + 1] & 0xff;
    }

    private static String ip(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "ip";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        check(p.waitFor() == 0, String.join(" ", cmd) + " failed: " + out);
        return out;
    }

    private interface Opening {
        TapBackend open() throws IOException;
    }

    private static void expectFailure(Opening opening, String... mustMention) {
        try {
            opening.open().close();
        } catch (IOException e) {
            for (String s : mustMention) {
                check(e.getMessage().contains(s), "message \"" + e.getMessage() + "\" mentions " + s);
            }
            System.out.println("refused as expected: " + e.getMessage());
            return;
        }
        throw new AssertionError("opening succeeded where it should fail (" + String.join(", ", mustMention) + ")");
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }
}
