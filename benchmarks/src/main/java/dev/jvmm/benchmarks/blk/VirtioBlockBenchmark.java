package dev.jvmm.benchmarks.blk;

import dev.jvmm.devices.virtio.blk.RawFileBackend;
import dev.jvmm.devices.virtio.blk.VirtioBlock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
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
 * virtio-blk, device side: requests through {@link VirtioBlock} on a {@link RawFileBackend} image
 * ({@link #virtioBlock}) against positional reads and writes of the same file from Java in the same pattern
 * ({@link #rawFileChannel}, the reference). Each invocation is {@value #BATCH} requests; the score is requests per
 * second (IOPS), MiB/s follows from the request size. The image is written once, so reads come from the page
 * cache on both sides: the figure is the device's overhead per request, not the disk's speed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class VirtioBlockBenchmark {
    static final int BATCH = 32;
    private static final int OFFSETS = 4096;

    /** Access patterns of issue #5. Queue depth is how many requests the driver makes available per kick. */
    public enum Pattern {
        RANDOM_READ_4K_QD1(4096, 1, true, false),
        RANDOM_READ_4K_QD32(4096, 32, true, false),
        SEQUENTIAL_READ_128K(128 * 1024, 1, false, false),
        SEQUENTIAL_WRITE_128K(128 * 1024, 1, false, true);

        final int bytes;
        final int depth;
        final boolean random;
        final boolean write;

        Pattern(int bytes, int depth, boolean random, boolean write) {
            this.bytes = bytes;
            this.depth = depth;
            this.random = random;
            this.write = write;
        }
    }

    @Param({"RANDOM_READ_4K_QD1", "RANDOM_READ_4K_QD32", "SEQUENTIAL_READ_128K", "SEQUENTIAL_WRITE_128K"})
    public Pattern pattern;

    /** Image size; bench/run lowers it in short mode. */
    @Param("64")
    public int imageMiB;

    private final long[] offsets = new long[OFFSETS];
    private int next;
    private long imageBytes;
    private RawFileBackend backend;
    private BlockDriver driver;
    private FileChannel raw;
    private ByteBuffer[] rawBuffers;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        imageBytes = (long) imageMiB << 20;
        Path image = image(Path.of(System.getProperty("jvmm.bench.dir", "target/bench")), imageBytes);
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < OFFSETS; i++) {
            offsets[i] = pattern.random ? random.nextLong(imageBytes / pattern.bytes) * pattern.bytes
                    : (long) i * pattern.bytes % imageBytes;
        }
        backend = RawFileBackend.open(image, false);
        driver = new BlockDriver(new VirtioBlock(backend, "bench"), BATCH, pattern.bytes, pattern.write);
        raw = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE);
        rawBuffers = new ByteBuffer[BATCH];
        for (int i = 0; i < BATCH; i++) {
            // Direct buffers over the same guest RAM the device uses, so both sides copy to the same place.
            rawBuffers[i] = driver.memory().slice(driver.data(i), pattern.bytes).asByteBuffer();
        }
    }

    /** Writes the image once with non-zero bytes so that reads never hit holes. */
    private static Path image(Path dir, long bytes) throws IOException {
        Files.createDirectories(dir);
        Path image = dir.resolve("blk-" + (bytes >> 20) + "M.img");
        if (Files.exists(image) && Files.size(image) == bytes) {
            return image;
        }
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
            SplittableRandom random = new SplittableRandom(7);
            for (long at = 0; at < bytes; at += chunk.capacity()) {
                chunk.clear();
                while (chunk.remaining() >= 8) {
                    chunk.putLong(random.nextLong());
                }
                chunk.flip();
                while (chunk.hasRemaining()) {
                    channel.write(chunk, at + chunk.position());
                }
            }
        }
        return image;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        driver.close();
        backend.close();
        raw.close();
    }

    private long nextOffset() {
        long offset = offsets[next];
        next = (next + 1) % OFFSETS;
        return offset;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void virtioBlock() {
        int depth = pattern.depth;
        for (int done = 0; done < BATCH; done += depth) {
            for (int slot = 0; slot < depth; slot++) {
                driver.submit(slot, nextOffset());
            }
            driver.kick();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void rawFileChannel() throws IOException {
        for (int i = 0; i < BATCH; i++) {
            ByteBuffer buffer = rawBuffers[i % pattern.depth].clear();
            long position = nextOffset();
            while (buffer.hasRemaining()) {
                int n = pattern.write ? raw.write(buffer, position + buffer.position())
                        : raw.read(buffer, position + buffer.position());
                if (n < 0) {
                    throw new IOException("short read at " + position);
                }
            }
        }
    }
}
