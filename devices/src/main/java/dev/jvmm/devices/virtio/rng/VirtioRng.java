package dev.jvmm.devices.virtio.rng;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.VirtioDevice;
import dev.jvmm.devices.virtio.VirtioDeviceType;
import dev.jvmm.devices.virtio.VirtioFeatures;
import dev.jvmm.devices.virtio.VirtioInterrupt;
import dev.jvmm.devices.virtio.queue.DescriptorChain;
import dev.jvmm.devices.virtio.queue.SplitQueue;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * The entropy device (virtio 1.2 §5.4): one request queue whose device-writable buffers the device fills with
 * random bytes. At most {@link #MAX_BYTES_PER_REQUEST} bytes go into one request, which keeps the work per
 * notification bounded; the used length tells the driver how many it got.
 */
public final class VirtioRng implements VirtioDevice {
    public static final int QUEUE_SIZE = 256;
    public static final int MAX_BYTES_PER_REQUEST = 64 * 1024;

    private final RandomSource source;
    private final byte[] scratch = new byte[4096];

    private GuestMemory memory;
    private SplitQueue queue;
    private VirtioInterrupt interrupt;

    public VirtioRng(RandomSource source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    /** An entropy device fed by {@link SecureRandom}. */
    public VirtioRng() {
        this(new SecureRandom()::nextBytes);
    }

    @Override
    public int deviceType() { return VirtioDeviceType.ENTROPY; }

    @Override
    public long deviceFeatures() { return VirtioFeatures.TRANSPORT_FEATURES; }

    @Override
    public int[] queueMaxSizes() { return new int[] {QUEUE_SIZE}; }

    @Override
    public long readConfig(int offset, int size) { return 0; } // §5.4.4: no configuration

    @Override
    public void writeConfig(int offset, int size, long value) { }

    @Override
    public void activate(GuestMemory memory, SplitQueue[] queues, long ackedFeatures, VirtioInterrupt interrupt) {
        this.memory = memory;
        this.queue = queues[0];
        this.interrupt = interrupt;
    }

    @Override
    public void processQueue(int queueIndex) {
        do {
            DescriptorChain chain;
            while ((chain = queue.popDescriptorChain(memory)) != null) {
                queue.addUsed(memory, chain.headIndex(), fill(chain));
            }
        } while (queue.enableNotification(memory));
        if (queue.needsNotification(memory)) {
            interrupt.signalUsedBuffer(queueIndex);
        }
    }

    private int fill(DescriptorChain chain) {
        int wanted = (int) Math.min(chain.writableLength(), MAX_BYTES_PER_REQUEST);
        int done = 0;
        while (done < wanted) {
            source.nextBytes(scratch);
            done += chain.write(done, scratch, 0, Math.min(scratch.length, wanted - done));
        }
        return done;
    }

    @Override
    public void reset() {
        memory = null;
        queue = null;
        interrupt = null;
    }
}
