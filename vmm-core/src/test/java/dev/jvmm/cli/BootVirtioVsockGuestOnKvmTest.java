package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.fixtures.GuestFixtures;
import dev.jvmm.fixtures.GuestFixtures.VirtioVsock;
import dev.jvmm.testing.KvmTest;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jvmm boot --vsock} with the vsock contract guest: the test is the host program of Firecracker's Unix-socket
 * protocol. The guest connects to host port 5000 (jvmm connects to {@code <socket>_5000}, where the test listens)
 * and exchanges PING/PONG; then the test connects to {@code <socket>}, sends {@code CONNECT 1234}, reads
 * {@code OK <port>} and exchanges HELLOs with the guest's listener.
 */
@KvmTest
class BootVirtioVsockGuestOnKvmTest {
    @TempDir
    Path dir;

    @Test
    void messagesFlowBothWaysOverGuestAndHostInitiatedConnections() throws Exception {
        Path socket = dir.resolve("v.sock");
        Path serial = dir.resolve("serial.txt");
        Path guest = GuestFixtures.virtioVsockTest();
        assertTrue(Files.isRegularFile(guest), guest + " missing: guest-fixtures builds it");
        try (ServerSocketChannel hostListener = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            hostListener.bind(UnixDomainSocketAddress.of(socket + "_" + VirtioVsock.HOST_PORT));
            CompletableFuture<Integer> vm = CompletableFuture.supplyAsync(() -> Main.run("boot", "--kernel",
                    guest.toString(), "--format", "flat", "--entry", "long", "--vsock", "cid=3,socket=" + socket,
                    "--serial-output", serial.toString()));

            try (SocketChannel fromGuest = hostListener.accept()) {
                assertEquals(VirtioVsock.GUEST_PING, read(fromGuest, VirtioVsock.GUEST_PING.length()));
                fromGuest.write(ascii(VirtioVsock.HOST_PONG));
                String hello = hostToGuest(socket);
                assertEquals(VirtioVsock.GUEST_HELLO, hello);
            }
            int status = vm.get(5, TimeUnit.MINUTES);
            String out = Files.readString(serial);
            assertEquals(0, status, out);
            assertTrue(out.contains(VirtioVsock.CID_PREFIX + "3"), out);
            assertTrue(out.contains(VirtioVsock.GUEST_TO_HOST_LINE), out);
            assertTrue(out.contains(VirtioVsock.HOST_TO_GUEST_LINE), out);
            assertTrue(out.contains(VirtioVsock.PASS_LINE), out);
        }
    }

    /** CONNECT to the guest's port, retried until its listener is up (the guest starts it after the first exchange). */
    private static String hostToGuest(Path socket) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (true) {
            try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                c.write(ascii("CONNECT " + VirtioVsock.GUEST_PORT + "\n"));
                String reply = readLine(c);
                if (reply != null && reply.startsWith("OK ")) {
                    c.write(ascii(VirtioVsock.HOST_HELLO));
                    return read(c, VirtioVsock.GUEST_HELLO.length());
                }
            } catch (IOException e) {
                // refused or reset: the guest is not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the guest never accepted CONNECT " + VirtioVsock.GUEST_PORT);
            }
            Thread.sleep(200);
        }
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static String read(SocketChannel c, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                break;
            }
        }
        return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
    }

    private static String readLine(SocketChannel c) throws IOException {
        StringBuilder line = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (line.length() < 64) {
            one.clear();
            if (c.read(one) < 0) {
                return null;
            }
            char ch = (char) one.get(0);
            if (ch == '\n') {
                return line.toString();
            }
            line.append(ch);
        }
        return line.toString();
    }
}
