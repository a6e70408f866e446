package dev.jvmm.devices.virtio;

import static dev.jvmm.devices.virtio.queue.DescriptorChain.VIRTQ_DESC_F_INDIRECT;
import static dev.jvmm.devices.virtio.queue.DescriptorChain.VIRTQ_DESC_F_NEXT;
import static dev.jvmm.devices.virtio.queue.DescriptorChain.VIRTQ_DESC_F_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.blk.BlockBackend;
import dev.jvmm.devices.virtio.blk.VirtioBlock;
import dev.jvmm.devices.virtio.mmio.VirtioMmioTransport;
import dev.jvmm.devices.virtio.queue.SplitQueue;
import dev.jvmm.devices.virtio.queue.VirtqueueException;
import dev.jvmm.devices.virtio.rng.VirtioRng;
import dev.jvmm.sys.IoVectors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * A hostile driver against the whole stack (transport, split queue, device): random and adversarial queue states
 * — loops, chains longer than the queue, indices outside the table, buffers outside guest memory or wrapping
 * 2^64, zero and 4 GiB lengths, flags in any combination, nested or oversized indirect tables, avail index jumps.
 * Whatever the state, no exception other than the queue's own escapes the device, guest memory outside the
 * buffers marked device-writable is unchanged, the work per notification is bounded, and every available chain is
 * either answered or the device signals DEVICE_NEEDS_RESET. jqwik prints the tries and outcome statistics.
 */
class HostileDriverTest {
    private static final long RAM = 0x10000;
    private static final int RAM_SIZE = 0x10000;
    private static final long INDIRECT = RAM + 0x1000;
    private static final int INDIRECT_ENTRIES = 64;
    private static final long DATA = RAM + 0x2000;
    private static final int DISK_SECTORS = 32;

    enum Kind { RNG, BLOCK }

    /**
     * {@code hostility} is the chance, 1 in {@code 1 << 2 * (3 - hostility)}, that a field takes a hostile value
     * instead of a well-formed one: from mostly valid queues with a rare bad field to queues of pure noise.
     */
    @Property(tries = 3000)
    void entropyDeviceSurvivesHostileQueues(@ForAll @IntRange(max = 4) int sizeLog2, @ForAll boolean eventIdx,
            @ForAll boolean overlapRings, @ForAll @IntRange(max = 3) int hostility, @ForAll long seed) {
        run(Kind.RNG, 1 << sizeLog2, eventIdx, overlapRings, hostility, seed);
    }

    @Property(tries = 3000)
    void blockDeviceSurvivesHostileQueues(@ForAll @IntRange(max = 4) int sizeLog2, @ForAll boolean eventIdx,
            @ForAll boolean overlapRings, @ForAll @IntRange(max = 3) int hostility, @ForAll long seed) {
        run(Kind.BLOCK, 1 << sizeLog2, eventIdx, overlapRings, hostility, seed);
    }

    private void run(Kind kind, int size, boolean eventIdx, boolean overlapRings, int hostility, long seed) {
        Random random = new Random(seed);
        Hostile hostile = new Hostile(random, 1 << 2 * (3 - hostility), 1 + random.nextInt(4), overlapRings);
        GuestMemory memory = GuestRam.of(RAM, RAM_SIZE);
        memory.fill(RAM, RAM_SIZE, (byte) 0x5a); // any descriptor read from this pattern lies outside memory
        int[] work = new int[1];
        VirtioDevice inner = switch (kind) {
            case RNG -> new VirtioRng(bytes -> {
                work[0]++;
                Arrays.fill(bytes, (byte) 0xa5);
            });
            case BLOCK -> new VirtioBlock(new CountingBackend(work), "hostile");
        };
        EscapeGuard device = new EscapeGuard(inner);
        RecordingLine line = new RecordingLine();
        VirtioMmioTransport transport = new VirtioMmioTransport(device, memory, line, QueueNotifier.SYNCHRONOUS);
        MmioDriver driver = new MmioDriver(transport);
        VirtqueueDriver queue = new VirtqueueDriver(memory, RAM, size);
        long features = driver.deviceFeatures() & (eventIdx ? -1L : ~VirtioFeatures.VIRTIO_F_RING_EVENT_IDX);
        driver.negotiate(features);
        driver.setupQueue(0, queue);
        driver.driverOk();

        List<long[]> writable = new ArrayList<>();
        writable.add(new long[] {queue.usedRing(), queue.end() - queue.usedRing()});
        for (int i = 0; i < size; i++) {
            long[] d = hostile.descriptor(i, size);
            queue.setDescriptor(i, d[0], (int) d[1], (int) d[2], (int) d[3]);
            noteWritable(writable, d);
        }
        for (int i = 0; i < INDIRECT_ENTRIES; i++) {
            long[] d = hostile.descriptor(i, INDIRECT_ENTRIES);
            queue.writeDescriptor(INDIRECT + 16L * i, d[0], (int) d[1], (int) d[2], (int) d[3]);
            noteWritable(writable, d);
        }
        for (int i = 0; i < 6; i++) {
            writeBlockHeader(memory, random, DATA + 0x100L * i);
        }
        int[] heads = new int[size];
        for (int i = 0; i < size; i++) {
            heads[i] = hostile.wild() ? random.nextInt(0x10000) : random.nextInt(size);
            memory.writeU16(queue.availRing() + 4 + 2L * i, (short) heads[i]);
        }
        int availIdx = !hostile.wild() ? 1 + random.nextInt(size) : switch (random.nextInt(3)) {
            case 0 -> size + 1 + random.nextInt(0x10000 - size - 1);
            case 1 -> 0xffff;
            default -> 1 + random.nextInt(size);
        };
        queue.setAvailIdx(availIdx);
        queue.setAvailFlags(random.nextInt(4));
        queue.setUsedEvent(random.nextInt(0x10000));
        byte[] before = memory.read(RAM, RAM_SIZE);

        driver.notifyQueue(0);
        driver.notifyQueue(0);

        assertEquals(List.of(), device.escaped, "only VirtqueueException may leave the device");
        boolean needsReset = (driver.status() & DeviceStatus.DEVICE_NEEDS_RESET) != 0;
        int used = queue.usedIdx();
        if (needsReset) {
            assertTrue((driver.interruptStatus() & VirtioMmioTransport.INTERRUPT_CONFIG_CHANGE) != 0);
        } else {
            assertEquals(availIdx, used, "every available chain is answered");
        }
        assertTrue(used <= size && used <= availIdx, "used " + used);
        // A driver may hand the device a writable buffer over its own used ring; the device then rightly writes
        // data there, and the ring's contents say nothing about the order of answers.
        boolean usedRingIsABuffer = writable.stream().skip(1)
                .anyMatch(w -> w[0] < queue.end() && queue.usedRing() < w[0] + w[1]);
        for (int i = 0; i < used && !usedRingIsABuffer; i++) {
            assertEquals(heads[i], queue.usedId(i), "used ring returns the heads in order");
        }
        int maxWork = size * (kind == Kind.RNG ? VirtioRng.MAX_BYTES_PER_REQUEST / 4096 : size + INDIRECT_ENTRIES + 1);
        assertTrue(work[0] <= maxWork, "work " + work[0] + " > " + maxWork);
        if (!overlapRings) {
            EscapeGuard.assertUnchangedOutside(RAM, before, memory.read(RAM, RAM_SIZE), writable);
        }
        Statistics.collect(needsReset ? "needs reset" : used == 0 ? "nothing available" : "answered");
    }

    /** Draws descriptors: well-formed runs of readable-then-writable buffers, with hostile fields mixed in. */
    private record Hostile(Random random, int odds, int run, boolean overlapRings) {
        boolean wild() { return random.nextInt(odds) == 0; }

        /** {addr, len, flags, next} for entry {@code index} of a table of {@code tableSize}. */
        long[] descriptor(int index, int tableSize) {
            boolean last = index % run == run - 1 || index == tableSize - 1;
            boolean indirect = !last ? false : random.nextInt(6) == 0;
            int flags = indirect ? VIRTQ_DESC_F_INDIRECT
                    : (last ? 0 : VIRTQ_DESC_F_NEXT) | (last || index % run >= run / 2 ? VIRTQ_DESC_F_WRITE : 0);
            long address = indirect ? INDIRECT + 16L * random.nextInt(4)
                    : random.nextBoolean() ? DATA + 0x100L * random.nextInt(6) : DATA + 0x1000 + random.nextInt(0x8000);
            long length = indirect ? 16L * (1 + random.nextInt(8)) : switch (random.nextInt(4)) {
                case 0 -> 16;
                case 1 -> 1;
                case 2 -> 512;
                default -> 16 + 512 + 1;
            };
            int next = (index + 1) % tableSize;
            if (wild()) {
                address = wildAddress(tableSize);
            }
            if (wild()) {
                length = wildLength();
            }
            if (wild()) {
                flags = random.nextInt(16) == 0 ? random.nextInt(0x10000) : random.nextInt(8);
            }
            if (wild()) {
                next = random.nextInt(8) == 0 ? random.nextInt(0x10000) : random.nextInt(tableSize + 1);
            }
            return new long[] {address, length, flags, next};
        }

        /** Addresses at and beyond every limit. */
        private long wildAddress(int tableSize) {
            return switch (random.nextInt(9)) {
                case 0 -> 0;
                case 1 -> RAM + RAM_SIZE - random.nextInt(64);
                case 2 -> RAM + RAM_SIZE;
                case 3 -> -1L - random.nextInt(64);
                case 4 -> Long.MAX_VALUE - random.nextInt(64);
                case 5 -> random.nextLong();
                case 6 -> INDIRECT + 16L * random.nextInt(INDIRECT_ENTRIES);
                case 7 -> overlapRings ? RAM + random.nextInt(0x2000) : DATA;
                default -> DATA + random.nextInt(RAM_SIZE - 0x2000);
            };
        }

        private long wildLength() {
            return switch (random.nextInt(8)) {
                case 0 -> 0;
                case 1 -> 0xffffffffL;
                case 2 -> 0x80000000L;
                case 3 -> 16L * random.nextInt(INDIRECT_ENTRIES + 2);
                case 4 -> 16L * (SplitQueue.MAX_SIZE + 1);
                case 5 -> 512L * (1 + random.nextInt(4));
                default -> random.nextInt(0x800);
            };
        }
    }

    private static void noteWritable(List<long[]> writable, long[] d) {
        if ((d[2] & VIRTQ_DESC_F_WRITE) != 0 && (d[2] & VIRTQ_DESC_F_INDIRECT) == 0) {
            writable.add(new long[] {d[0], d[1]});
        }
    }

    private static void writeBlockHeader(GuestMemory memory, Random random, long at) {
        int[] types = {VirtioBlock.VIRTIO_BLK_T_IN, VirtioBlock.VIRTIO_BLK_T_OUT, VirtioBlock.VIRTIO_BLK_T_FLUSH,
                VirtioBlock.VIRTIO_BLK_T_GET_ID, VirtioBlock.VIRTIO_BLK_T_WRITE_ZEROES, 11, random.nextInt()};
        memory.writeU32(at, types[random.nextInt(types.length)]);
        memory.writeU32(at + 4, 0);
        memory.writeU64(at + 8, random.nextBoolean() ? random.nextInt(DISK_SECTORS + 2) : random.nextLong());
        // a write-zeroes segment right after the header
        memory.writeU64(at + 16, random.nextInt(DISK_SECTORS + 2));
        memory.writeU32(at + 24, random.nextBoolean() ? random.nextInt(4) : random.nextInt());
        memory.writeU32(at + 28, random.nextInt(3));
    }

    /** A small disk whose every operation counts as work. */
    private static final class CountingBackend implements BlockBackend {
        private final int[] work;
        private final byte[] disk = new byte[DISK_SECTORS * 512];

        CountingBackend(int[] work) {
            this.work = work;
            Arrays.fill(disk, (byte) 0xa5);
        }

        @Override public long size() { return disk.length; }

        @Override public boolean isReadOnly() { return false; }

        @Override
        public long read(IoVectors dst, long offset) {
            work[0]++;
            int n = Math.toIntExact(dst.byteSize());
            return dst.scatter(Arrays.copyOfRange(disk, Math.toIntExact(offset), Math.toIntExact(offset) + n), n);
        }

        @Override
        public long write(IoVectors src, long offset) {
            work[0]++;
            byte[] bytes = new byte[Math.toIntExact(src.byteSize())];
            int n = src.gather(bytes);
            System.arraycopy(bytes, 0, disk, Math.toIntExact(offset), n);
            return n;
        }

        @Override public void flush() { work[0]++; }

        @Override
        public void writeZeroes(long offset, long length) {
            work[0]++;
            Arrays.fill(disk, Math.toIntExact(offset), Math.toIntExact(offset + length), (byte) 0);
        }

        @Override public void close() { }
    }
}
