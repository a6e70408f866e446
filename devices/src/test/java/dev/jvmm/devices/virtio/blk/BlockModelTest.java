package dev.jvmm.devices.virtio.blk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.GuestRam;
import dev.jvmm.devices.virtio.MmioDriver;
import dev.jvmm.devices.virtio.QueueNotifier;
import dev.jvmm.devices.virtio.RecordingLine;
import dev.jvmm.devices.virtio.VirtqueueDriver;
import dev.jvmm.devices.virtio.VirtqueueDriver.Buffer;
import dev.jvmm.devices.virtio.mmio.VirtioMmioTransport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * A well-behaved driver issuing random reads, writes, flushes and write-zeroes, each split into descriptors at
 * random points (direct or through an indirect table): the disk and the data read back always match a byte-array
 * model, and the status matches what the model says the request deserves. The backend sometimes moves only a few
 * bytes per call, as a kernel may, so the device must continue a transfer where it stopped.
 */
class BlockModelTest {
    private static final long RAM = 0x10000;
    private static final long TABLE = RAM + 0x1000;
    private static final long REQUEST = RAM + 0x2000;
    private static final int SECTORS = 16;

    @Property(tries = 400)
    void deviceMatchesByteArrayModel(@ForAll long seed) {
        Random random = new Random(seed);
        GuestMemory memory = GuestRam.of(RAM, 0x20000);
        MemoryBackend backend = new MemoryBackend(SECTORS, false);
        boolean shortTransfers = random.nextInt(4) == 0;
        byte[] model = new byte[SECTORS * 512];
        VirtioMmioTransport transport = new VirtioMmioTransport(new VirtioBlock(backend, "model"), memory,
                new RecordingLine(), QueueNotifier.SYNCHRONOUS);
        MmioDriver driver = new MmioDriver(transport);
        VirtqueueDriver queue = new VirtqueueDriver(memory, RAM, 16);
        driver.start(queue);
        for (int n = 0; n < 20; n++) {
            int type = new int[] {VirtioBlock.VIRTIO_BLK_T_IN, VirtioBlock.VIRTIO_BLK_T_OUT,
                    VirtioBlock.VIRTIO_BLK_T_FLUSH, VirtioBlock.VIRTIO_BLK_T_WRITE_ZEROES}[random.nextInt(4)];
            long sector = random.nextInt(SECTORS + 2);
            int sectors = random.nextInt(4);
            int dataBytes = type == VirtioBlock.VIRTIO_BLK_T_WRITE_ZEROES ? 16
                    : type == VirtioBlock.VIRTIO_BLK_T_FLUSH ? 0 : sectors * 512;
            boolean inside = sector + sectors <= SECTORS;
            backend.maxTransfer = shortTransfers ? 1 + random.nextInt(700) : Integer.MAX_VALUE;
            // Request bytes laid out contiguously: header, data, status.
            memory.writeU32(REQUEST, type);
            memory.writeU32(REQUEST + 4, 0);
            memory.writeU64(REQUEST + 8, type == VirtioBlock.VIRTIO_BLK_T_WRITE_ZEROES ? 0 : sector);
            byte[] data = new byte[dataBytes];
            random.nextBytes(data);
            if (type == VirtioBlock.VIRTIO_BLK_T_WRITE_ZEROES) {
                writeSegment(data, sector, sectors);
            }
            memory.write(REQUEST + 16, data);
            long status = REQUEST + 16 + dataBytes;
            memory.writeU8(status, (byte) 0x7f);
            boolean deviceWritesData = type == VirtioBlock.VIRTIO_BLK_T_IN;
            List<Buffer> buffers = split(random, REQUEST, 16 + dataBytes + 1, deviceWritesData ? 16 : 16 + dataBytes);
            Buffer[] chain = buffers.toArray(Buffer[]::new);
            if (random.nextBoolean() && chain.length <= 16) {
                queue.submitIndirect(TABLE, chain);
            } else {
                queue.submit(chain);
            }
            driver.notifyQueue(0);

            int expected = switch (type) {
                case VirtioBlock.VIRTIO_BLK_T_IN, VirtioBlock.VIRTIO_BLK_T_OUT,
                     VirtioBlock.VIRTIO_BLK_T_WRITE_ZEROES -> inside ? VirtioBlock.VIRTIO_BLK_S_OK
                        : VirtioBlock.VIRTIO_BLK_S_IOERR;
                default -> VirtioBlock.VIRTIO_BLK_S_OK;
            };
            assertEquals(expected, memory.readU8(status), "status of type " + type);
            if (expected == VirtioBlock.VIRTIO_BLK_S_OK) {
                int from = (int) sector * 512;
                switch (type) {
                    case VirtioBlock.VIRTIO_BLK_T_IN ->
                            assertArrayEquals(Arrays.copyOfRange(model, from, from + dataBytes),
                                    memory.read(REQUEST + 16, dataBytes));
                    case VirtioBlock.VIRTIO_BLK_T_OUT -> System.arraycopy(data, 0, model, from, dataBytes);
                    case VirtioBlock.VIRTIO_BLK_T_WRITE_ZEROES -> Arrays.fill(model, from, from + sectors * 512, (byte) 0);
                    default -> { }
                }
            }
            assertArrayEquals(model, backend.disk);
            Statistics.collect(type, expected, shortTransfers ? "short transfers" : "whole transfers");
        }
    }

    private static void writeSegment(byte[] segment, long sector, int sectors) {
        for (int i = 0; i < 8; i++) {
            segment[i] = (byte) (sector >>> 8 * i);
        }
        for (int i = 0; i < 4; i++) {
            segment[8 + i] = (byte) (sectors >>> 8 * i);
            segment[12 + i] = 0;
        }
    }

    /** {@code [address, address + length)} cut at random points; bytes from {@code firstWritable} on are writable. */
    private static List<Buffer> split(Random random, long address, int length, int firstWritable) {
        List<Integer> cuts = new ArrayList<>(List.of(0, firstWritable, length));
        for (int i = random.nextInt(5); i > 0; i--) {
            cuts.add(random.nextInt(length + 1));
        }
        List<Integer> points = cuts.stream().distinct().sorted().toList();
        List<Buffer> buffers = new ArrayList<>();
        for (int i = 0; i + 1 < points.size(); i++) {
            int start = points.get(i);
            buffers.add(new Buffer(address + start, points.get(i + 1) - start, start >= firstWritable));
        }
        return buffers;
    }
}
