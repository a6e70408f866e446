package dev.jvmm.devices.virtio;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.queue.SplitQueue;
import dev.jvmm.devices.virtio.queue.VirtqueueException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * For hostile-driver tests: wraps a device and records any exception other than {@link VirtqueueException} that
 * leaves it (the transport turns those into DEVICE_NEEDS_RESET; anything else would be a device bug), and checks
 * that guest memory changed only inside device-writable buffers.
 */
public final class EscapeGuard implements VirtioDevice {
    private final VirtioDevice device;
    /** What left the device other than a broken virtqueue's exception; thread-safe (device threads record too). */
    public final List<Throwable> escaped = new CopyOnWriteArrayList<>();

    public EscapeGuard(VirtioDevice device) { this.device = device; }

    @Override public int deviceType() { return device.deviceType(); }

    @Override public long deviceFeatures() { return device.deviceFeatures(); }

    @Override public int[] queueMaxSizes() { return device.queueMaxSizes(); }

    @Override public long readConfig(int offset, int size) { return device.readConfig(offset, size); }

    @Override public void writeConfig(int offset, int size, long value) { device.writeConfig(offset, size, value); }

    @Override
    public void activate(GuestMemory memory, SplitQueue[] queues, long ackedFeatures, VirtioInterrupt interrupt) {
        guarded(() -> device.activate(memory, queues, ackedFeatures, interrupt));
    }

    @Override
    public void processQueue(int queueIndex) {
        guarded(() -> device.processQueue(queueIndex));
    }

    @Override public void reset() { device.reset(); }

    /** Runs {@code call} (device work on any thread), recording what escapes it, which is then rethrown. */
    public void guarded(Runnable call) {
        try {
            call.run();
        } catch (VirtqueueException e) {
            throw e;
        } catch (RuntimeException | Error e) {
            escaped.add(e);
            throw e;
        }
    }

    /**
     * Fails unless every byte of guest RAM {@code [ram, ram + before.length)} that differs between {@code before}
     * and {@code after} lies inside one of the {@code writable} ranges ({address, length}).
     */
    public static void assertUnchangedOutside(long ram, byte[] before, byte[] after, List<long[]> writable) {
        int size = before.length;
        boolean[] mayChange = new boolean[size];
        for (long[] range : writable) {
            long start = Math.max(range[0], ram);
            long end = Math.min(range[0] + Math.min(range[1], size), ram + size);
            if (range[0] >= 0 && start < end) {
                Arrays.fill(mayChange, (int) (start - ram), (int) (end - ram), true);
            }
        }
        for (int i = 0; i < size; i++) {
            if (!mayChange[i] && before[i] != after[i]) {
                throw new AssertionError("guest byte at 0x" + Long.toHexString(ram + i)
                        + " changed outside every device-writable buffer");
            }
        }
    }
}
