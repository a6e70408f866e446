package dev.jvmm.devices.virtio.vsock;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A host program on the other end of a vsock connection: a non-blocking Unix socket channel with reads that give
 * up after a deadline, so a test fails instead of hanging.
 */
final class HostProgram implements AutoCloseable {
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    final SocketChannel channel;

    private HostProgram(SocketChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
    }

    /** Connects to the device's socket at {@code path}. */
    static HostProgram connect(Path path) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(path));
        return new HostProgram(channel);
    }

    /** Listens at {@code path} (e.g. {@code <uds path>_<port>}) for guest-initiated connections. */
    static ServerSocketChannel listen(Path path) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        server.configureBlocking(false);
        return server;
    }

    static HostProgram accept(ServerSocketChannel server) throws IOException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            SocketChannel channel = server.accept();
            if (channel != null) {
                return new HostProgram(channel);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no connection to accept within " + PATIENCE);
            }
            VsockGuest.sleep();
        }
    }

    void write(String text) throws IOException {
        write(text.getBytes(StandardCharsets.US_ASCII));
    }

    void write(byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (buffer.hasRemaining()) {
            if (channel.write(buffer) == 0) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("host socket stayed full for " + PATIENCE);
                }
                VsockGuest.sleep();
            }
        }
    }

    /** Writes {@code text} unless the device already closed the socket (then the write fails: EPIPE). */
    void writeUnlessRefused(String text) {
        try {
            write(text);
        } catch (IOException refused) {
            // closed before the bytes went out; the caller checks for end of stream
        }
    }

    /** Writes what the socket takes now, without waiting; returns how many bytes. */
    int writeSome(byte[] bytes) throws IOException {
        return channel.write(ByteBuffer.wrap(bytes));
    }

    /** Reads up to and including the next newline. */
    String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            one.clear();
            int n = channel.read(one);
            if (n < 0) {
                throw new AssertionError("end of stream after \"" + line + "\"");
            }
            if (n == 0) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no full line within " + PATIENCE + ": \"" + line + "\"");
                }
                VsockGuest.sleep();
                continue;
            }
            line.write(one.get(0));
            if (one.get(0) == '\n') {
                return line.toString(StandardCharsets.US_ASCII);
            }
        }
    }

    /** Reads exactly {@code count} bytes. */
    byte[] read(int count) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(count);
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer);
            if (n < 0) {
                throw new AssertionError("end of stream after " + buffer.position() + " of " + count + " bytes");
            }
            if (n == 0) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(buffer.position() + " of " + count + " bytes within " + PATIENCE);
                }
                VsockGuest.sleep();
            }
        }
        return buffer.array();
    }

    /** Whatever is readable now (possibly nothing); -1 bytes at end of stream is returned as {@code null}. */
    byte[] readAvailable() throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        int n = channel.read(buffer);
        return n < 0 ? null : java.util.Arrays.copyOf(buffer.array(), n);
    }

    /** Waits for end of stream (or a reset), failing on data. */
    void awaitEndOfStream() throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(256);
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            int n;
            try {
                n = channel.read(buffer);
            } catch (IOException reset) {
                return;
            }
            if (n < 0) {
                return;
            }
            if (n > 0) {
                throw new AssertionError("data instead of end of stream: " + n + " bytes");
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no end of stream within " + PATIENCE);
            }
            VsockGuest.sleep();
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
