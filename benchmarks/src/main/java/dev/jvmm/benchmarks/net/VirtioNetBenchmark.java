package dev.jvmm.benchmarks.net;

import dev.jvmm.devices.virtio.net.MacAddress;
import dev.jvmm.devices.virtio.net.TapBackend;
import dev.jvmm.devices.virtio.net.VirtioNet;
import dev.jvmm.devices.virtio.net.VirtioNetHeader;
import dev.jvmm.sys.Libc;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * virtio-net, device side: frames through {@link VirtioNet} on a {@link TapBackend} in a private network namespace
 * ({@link PrivateTap}; the JVM runs under {@code unshare -n}) against raw write(2)/read(2) of the same frames on the
 * same TAP fd from Java ({@link Libc}), the reference. The score is frames per second; MiB/s follows from the frame
 * size (the Ethernet frame, without the 12-byte virtio header both sides carry).
 *
 * <p>Transmit ({@link #txVirtioNet} vs {@link #txRawWrite}), the row of issue #5: {@value #TX_BATCH} frames made
 * available per kick, each a header (no offload) and an Ethernet frame in one guest buffer. They are addressed to a
 * MAC that is not the TAP's with EtherType 0x88B5 (IEEE local experimental), so the namespace's stack takes each one
 * in tun_get_user and drops it as soon as it finds no protocol for it: the kernel's share is as small as it gets, and
 * the same on both sides.
 *
 * <p>Receive ({@link #rxVirtioNet} vs {@link #rxRawRead}): before each invocation, untimed, the namespace's stack
 * sends {@value #RX_BATCH} UDP datagrams to the guest's address, which leave through the TAP and wait in its queue;
 * the invocation moves them into guest buffers, through the device (the driver posts {@value #RX_BATCH} buffers and
 * notifies) or with one read(2) each into the same buffers.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class VirtioNetBenchmark {
    static final int TX_BATCH = 32;
    static final int RX_BATCH = 128;
    /** IPv4 (20) and UDP (8) headers after the Ethernet header: what a UDP datagram's frame adds to its payload. */
    private static final int UDP_FRAME_OVERHEAD = VirtioNet.ETH_HLEN + 20 + 8;
    private static final MacAddress GUEST_MAC = MacAddress.parse("52:54:00:0a:4d:01");
    private static final MacAddress ELSEWHERE = MacAddress.parse("02:00:00:00:4d:02");

    /** The TAP, the device in front of it and the driver's queues. */
    @State(Scope.Thread)
    public static class Link {
        /** Ethernet frame sizes: the minimum (64, FCS not carried) and a full frame at MTU 1500. */
        @Param({"64", "1514"})
        public int frameBytes;

        VirtioNet device;
        NetDriver driver;
        int fd;
        final MemorySegment[] txFrames = new MemorySegment[TX_BATCH];
        final MemorySegment[] rxBuffers = new MemorySegment[RX_BATCH];

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            TapBackend tap = PrivateTap.open(GUEST_MAC);
            fd = tap.readyFd();
            device = new VirtioNet(tap, GUEST_MAC);
            driver = new NetDriver(device, RX_BATCH, frameBytes);
            byte[] frame = frame(frameBytes);
            for (int i = 0; i < TX_BATCH; i++) {
                // A zero header (no checksum, no GSO), then the frame; the raw reference writes these very bytes.
                driver.memory().fill(driver.txBuffer(i), VirtioNetHeader.BYTES, (byte) 0);
                driver.memory().write(driver.txBuffer(i) + VirtioNetHeader.BYTES, frame);
                txFrames[i] = driver.slice(driver.txBuffer(i), VirtioNetHeader.BYTES + frameBytes);
            }
            for (int i = 0; i < RX_BATCH; i++) {
                rxBuffers[i] = driver.slice(driver.rxBuffer(i), NetDriver.BUFFER_BYTES);
            }
            linkUp();
        }

        /** What a subclass sets up once the TAP is up (JMH does not promise to run a superclass's setup first). */
        void linkUp() throws IOException { }

        @TearDown(Level.Trial)
        public void tearDown() {
            driver.close();
            device.close(); // closes the TAP, which then vanishes
        }
    }

    private static byte[] frame(int length) {
        byte[] f = new byte[length];
        System.arraycopy(ELSEWHERE.octets(), 0, f, 0, 6);
        System.arraycopy(GUEST_MAC.octets(), 0, f, 6, 6);
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5;
        for (int i = VirtioNet.ETH_HLEN; i < length; i++) {
            f[i] = (byte) (i * 7);
        }
        return f;
    }

    /**
     * A {@link Link} whose namespace stack sends frames to the guest: a UDP socket connected to the guest's address.
     * (A subclass rather than a second state that depends on {@link Link}: JMH 1.37 would make a second Link.)
     */
    @State(Scope.Thread)
    public static class InboundLink extends Link {
        private DatagramChannel channel;
        private ByteBuffer payload;

        @Override
        void linkUp() throws IOException {
            channel = DatagramChannel.open();
            channel.bind(new InetSocketAddress(InetAddress.getByName(PrivateTap.HOST_IP), 4000));
            channel.connect(new InetSocketAddress(InetAddress.getByName(PrivateTap.GUEST_IP), 5000));
            payload = ByteBuffer.allocateDirect(frameBytes - UDP_FRAME_OVERHEAD);
        }

        /** Untimed: queues {@value #RX_BATCH} frames in the TAP for the next invocation to receive. */
        @Setup(Level.Invocation)
        public void inject() throws IOException {
            for (int i = 0; i < RX_BATCH; i++) {
                channel.write(payload.clear());
            }
        }

        @TearDown(Level.Trial)
        public void closeSender() throws IOException {
            channel.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(TX_BATCH)
    public void txVirtioNet(Link link) {
        NetDriver driver = link.driver;
        for (int slot = 0; slot < TX_BATCH; slot++) {
            driver.transmit(slot);
        }
        driver.kickTx();
    }

    @Benchmark
    @OperationsPerInvocation(TX_BATCH)
    public void txRawWrite(Link link) {
        for (int slot = 0; slot < TX_BATCH; slot++) {
            MemorySegment frame = link.txFrames[slot];
            if (Libc.write(link.fd, frame) != frame.byteSize()) {
                throw new IllegalStateException("the TAP took a short write of slot " + slot);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(RX_BATCH)
    public long rxVirtioNet(InboundLink link) {
        NetDriver driver = link.driver;
        for (int slot = 0; slot < RX_BATCH; slot++) {
            driver.postRx(slot);
        }
        return driver.receive(RX_BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(RX_BATCH)
    public long rxRawRead(InboundLink link) {
        long bytes = 0;
        long deadline = 0;
        for (int slot = 0; slot < RX_BATCH; ) {
            long n = Libc.read(link.fd, link.rxBuffers[slot]);
            if (n > 0) {
                bytes += n;
                slot++;
            } else if (deadline == 0) {
                deadline = System.nanoTime() + 1_000_000_000L; // still on its way: as NetDriver.receive waits
            } else if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + slot + " of " + RX_BATCH + " frames arrived");
            }
        }
        return bytes;
    }
}
