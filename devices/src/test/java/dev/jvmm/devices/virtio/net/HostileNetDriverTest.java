package dev.jvmm.devices.virtio.net;

import static dev.jvmm.devices.virtio.queue.DescriptorChain.VIRTQ_DESC_F_INDIRECT;
import static dev.jvmm.devices.virtio.queue.DescriptorChain.VIRTQ_DESC_F_NEXT;
import static dev.jvmm.devices.virtio.queue.DescriptorChain.VIRTQ_DESC_F_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.EscapeGuard;
import dev.jvmm.devices.virtio.DeviceStatus;
import dev.jvmm.devices.virtio.GuestRam;
import dev.jvmm.devices.virtio.MmioDriver;
import dev.jvmm.devices.virtio.QueueNotifier;
import dev.jvmm.devices.virtio.RecordingLine;
import dev.jvmm.devices.virtio.VirtioFeatures;
import dev.jvmm.devices.virtio.VirtqueueDriver;
import dev.jvmm.devices.virtio.mmio.VirtioMmioTransport;
import dev.jvmm.devices.virtio.queue.SplitQueue;
import dev.jvmm.devices.virtio.queue.VirtqueueException;
import dev.jvmm.sys.Errno;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * A hostile driver and a hostile backend against transport, queues and network device together: descriptor tables
 * of noise or of nearly valid chains (loops, indices and buffers outside the table or memory, zero and 4 GiB
 * lengths, any flags, nested or oversized indirect tables, readable buffers on the receive queue and writable ones
 * on the transmit queue, headers with any flags and GSO type, avail index jumps), with random features accepted and
 * random frames (runts, oversized, any header) and read/write failures from the backend. Whatever happens, only the
 * queue's own exception leaves the device, guest memory outside device-writable buffers is unchanged, the device
 * keeps at most one receive chain and sends at most one frame per transmit chain, and the work per notification is
 * bounded. jqwik prints the tries and the outcome statistics.
 */
class HostileNetDriverTest {
    private static final long RAM = 0x10000;
    private static final int RAM_SIZE = 0x20000;
    private static final long RX_RING = RAM;
    private static final long TX_RING = RAM + 0x800;
    private static final long INDIRECT_RX = RAM + 0x1000;
    private static final long INDIRECT_TX = RAM + 0x1400;
    private static final int INDIRECT_ENTRIES = 64;
    private static final long HEADERS = RAM + 0x2000;
    private static final long DATA = RAM + 0x3000;
    private static final MacAddress MAC = MacAddress.parse("52:54:00:aa:bb:cc");
    private static final int[] FRAME_SIZES = {0, 5, 11, 12, 25, 26, 60, 1514, 1526, 4000, 65562, 70000};

    /**
     * {@code hostility} is the chance, 0 or 1 in {@code 1 << 2 * (4 - hostility)}, that a field takes a hostile
     * value instead of a well-formed one: from valid queues, through a rare bad field, to queues of pure noise.
     */
    @Property(tries = 3000)
    void networkDeviceSurvivesHostileQueuesAndBackends(@ForAll @IntRange(max = 4) int sizeLog2,
            @ForAll boolean eventIdx, @ForAll boolean overlapRings, @ForAll @IntRange(max = 4) int hostility,
            @ForAll @IntRange(max = 31) int offloads, @ForAll long acceptedMask, @ForAll long seed) {
        int size = 1 << sizeLog2;
        Random random = new Random(seed);
        Hostile hostile = new Hostile(random, hostility == 0 ? 0 : 1 << 2 * (4 - hostility), 1 + random.nextInt(4), overlapRings);
        GuestMemory memory = GuestRam.of(RAM, RAM_SIZE);
        memory.fill(RAM, RAM_SIZE, (byte) 0x5a);

        MemoryNetBackend backend = new MemoryNetBackend(offloads);
        int frames = random.nextInt(2 * size + 2);
        for (int i = 0; i < frames; i++) {
            byte[] frame = new byte[FRAME_SIZES[random.nextInt(FRAME_SIZES.length)]];
            random.nextBytes(frame);
            if (random.nextBoolean()) {
                Arrays.fill(frame, 0, Math.min(frame.length, VirtioNetHeader.BYTES), (byte) 0); // a plain header
            }
            backend.inject(frame);
        }
        if (hostile.wild()) {
            backend.failReads(random.nextBoolean() ? Errno.EIO : Errno.EINVAL);
        }
        if (hostile.wild()) {
            backend.failWrites(Errno.EIO);
        }
        VirtioNet net = new VirtioNet(backend, MAC);
        EscapeGuard device = new EscapeGuard(net);
        VirtioMmioTransport transport = new VirtioMmioTransport(device, memory, new RecordingLine(),
                QueueNotifier.SYNCHRONOUS);
        MmioDriver driver = new MmioDriver(transport);
        VirtqueueDriver rx = new VirtqueueDriver(memory, RX_RING, size);
        VirtqueueDriver tx = new VirtqueueDriver(memory, TX_RING, size);
        long features = driver.deviceFeatures() & acceptedMask | VirtioFeatures.VIRTIO_F_VERSION_1;
        features = eventIdx ? features | VirtioFeatures.VIRTIO_F_RING_EVENT_IDX
                : features & ~VirtioFeatures.VIRTIO_F_RING_EVENT_IDX;
        driver.negotiate(features);
        driver.setupQueue(VirtioNet.RX_QUEUE, rx);
        driver.setupQueue(VirtioNet.TX_QUEUE, tx);
        driver.driverOk();

        List<long[]> writable = new ArrayList<>();
        writable.add(new long[] {rx.usedRing(), rx.end() - rx.usedRing()});
        writable.add(new long[] {tx.usedRing(), tx.end() - tx.usedRing()});
        for (int i = 0; i < size; i++) {
            long[] d = hostile.descriptor(i, size, true, false);
            rx.setDescriptor(i, d[0], (int) d[1], (int) d[2], (int) d[3]);
            noteWritable(writable, d);
            d = hostile.descriptor(i, size, false, false);
            tx.setDescriptor(i, d[0], (int) d[1], (int) d[2], (int) d[3]);
            noteWritable(writable, d);
        }
        for (int i = 0; i < INDIRECT_ENTRIES; i++) {
            long[] d = hostile.descriptor(i, INDIRECT_ENTRIES, true, true);
            rx.writeDescriptor(INDIRECT_RX + 16L * i, d[0], (int) d[1], (int) d[2], (int) d[3]);
            noteWritable(writable, d);
            d = hostile.descriptor(i, INDIRECT_ENTRIES, false, true);
            tx.writeDescriptor(INDIRECT_TX + 16L * i, d[0], (int) d[1], (int) d[2], (int) d[3]);
            noteWritable(writable, d);
        }
        for (int i = 0; i < 8; i++) {
            writeHeader(memory, random, HEADERS + 0x100L * i);
        }
        int rxAvail = fillAvail(rx, hostile, random, size);
        int txAvail = fillAvail(tx, hostile, random, size);
        byte[] before = memory.read(RAM, RAM_SIZE);

        driver.notifyQueue(VirtioNet.RX_QUEUE);
        driver.notifyQueue(VirtioNet.TX_QUEUE);
        driver.notifyQueue(VirtioNet.RX_QUEUE);
        driver.notifyQueue(2);
        driver.notifyQueue(-1);

        assertEquals(List.of(), device.escaped, "only VirtqueueException may leave the device");
        boolean needsReset = (driver.status() & DeviceStatus.DEVICE_NEEDS_RESET) != 0;
        if (!overlapRings) { // otherwise receive buffers over the rings may have overwritten the used indices
            if (!needsReset) {
                assertEquals(txAvail, tx.usedIdx(), "every transmit chain is answered");
            }
            assertTrue(rx.usedIdx() <= Math.min(rxAvail, size), "rx used " + rx.usedIdx());
            assertTrue(tx.usedIdx() <= Math.min(txAvail, size), "tx used " + tx.usedIdx());
        }
        assertTrue(backend.outbound().size() <= Math.min(txAvail, size), "at most one frame per transmit chain");
        for (byte[] sent : backend.outbound()) {
            assertTrue(sent.length <= VirtioNetHeader.BYTES + VirtioNet.MAX_FRAME_BYTES, "frame of " + sent.length);
        }
        assertTrue(backend.readCalls() <= 2 * Receiver.BUDGET, "reads " + backend.readCalls());
        EscapeGuard.assertUnchangedOutside(RAM, before, memory.read(RAM, RAM_SIZE), writable);
        net.close();
        Statistics.collect(needsReset ? "needs reset" : net.counters().rxFrames() > 0 || backend.outbound().size() > 0
                ? "frames moved" : "nothing moved");
    }

    private static int fillAvail(VirtqueueDriver queue, Hostile hostile, Random random, int size) {
        for (int i = 0; i < size; i++) {
            // a well-formed head starts a run, as a driver's would
            int head = hostile.wild() ? random.nextInt(0x10000) : random.nextInt(size) / hostile.run() * hostile.run();
            queue.publish(head);
        }
        int availIdx = !hostile.wild() ? random.nextInt(size + 1) : switch (random.nextInt(3)) {
            case 0 -> size + 1 + random.nextInt(0x10000 - size - 1);
            case 1 -> 0xffff;
            default -> random.nextInt(size + 1);
        };
        queue.setAvailIdx(availIdx);
        queue.setAvailFlags(random.nextInt(4));
        queue.setUsedEvent(random.nextInt(0x10000));
        return availIdx;
    }

    /** Draws descriptors: runs of well-formed buffers in the queue's direction, with hostile fields mixed in. */
    private record Hostile(Random random, int odds, int run, boolean overlapRings) {
        boolean wild() { return odds != 0 && random.nextInt(odds) == 0; }

        /** {addr, len, flags, next} for entry {@code index} of a table of {@code tableSize}. */
        long[] descriptor(int index, int tableSize, boolean receive, boolean inIndirectTable) {
            boolean last = index % run == run - 1 || index == tableSize - 1;
            boolean indirect = last && !inIndirectTable && random.nextInt(6) == 0;
            int flags = indirect ? VIRTQ_DESC_F_INDIRECT
                    : (last ? 0 : VIRTQ_DESC_F_NEXT) | (receive ? VIRTQ_DESC_F_WRITE : 0);
            long address = indirect ? (receive ? INDIRECT_RX : INDIRECT_TX) // its entries number from 0
                    : index % run == 0 && !receive ? HEADERS + 0x100L * random.nextInt(8)
                    : DATA + random.nextInt(RAM_SIZE - 0x3000 - 0x1000);
            long length = indirect ? 16L * run : switch (random.nextInt(5)) {
                case 0 -> 12;
                case 1 -> 1;
                case 2 -> 60;
                case 3 -> 1514;
                default -> 26 + random.nextInt(100);
            };
            int next = (index + 1) % tableSize;
            if (wild()) {
                address = switch (random.nextInt(6)) {
                    case 0 -> 0;
                    case 1 -> RAM + RAM_SIZE - random.nextInt(64);
                    case 2 -> -1L - random.nextInt(64);
                    case 3 -> random.nextLong();
                    case 4 -> overlapRings ? RAM + random.nextInt(0x1000) : DATA; // over the rings
                    default -> INDIRECT_RX + 16L * random.nextInt(2 * INDIRECT_ENTRIES);
                };
            }
            if (wild()) {
                length = switch (random.nextInt(5)) {
                    case 0 -> 0;
                    case 1 -> 0xffffffffL;
                    case 2 -> 16L * (SplitQueue.MAX_SIZE + 1);
                    case 3 -> 65562;
                    default -> random.nextInt(0x800);
                };
            }
            if (wild()) {
                flags = random.nextInt(16) == 0 ? random.nextInt(0x10000) : random.nextInt(8);
            }
            if (wild()) {
                next = random.nextInt(8) == 0 ? random.nextInt(0x10000) : random.nextInt(tableSize + 1);
            }
            return new long[] {address, length, flags, next};
        }
    }

    /** A transmit header: any flags, a GSO type among the known ones or any byte, random sizes. */
    private static void writeHeader(GuestMemory memory, Random random, long at) {
        if (random.nextBoolean()) {
            memory.fill(at, VirtioNetHeader.BYTES, (byte) 0); // a plain header
            return;
        }
        int[] gso = {0, 1, 3, 4, 0x81, 0x84, 5, 0x80, random.nextInt(256)};
        memory.writeU8(at, (byte) (random.nextBoolean() ? random.nextInt(2) : random.nextInt(256)));
        memory.writeU8(at + 1, (byte) gso[random.nextInt(gso.length)]);
        for (int i = 2; i < VirtioNetHeader.BYTES; i += 2) {
            memory.writeU16(at + i, (short) random.nextInt(random.nextBoolean() ? 100 : 0x10000));
        }
    }

    private static void noteWritable(List<long[]> writable, long[] d) {
        if ((d[2] & VIRTQ_DESC_F_WRITE) != 0 && (d[2] & VIRTQ_DESC_F_INDIRECT) == 0) {
            writable.add(new long[] {d[0], d[1]});
        }
    }
}
