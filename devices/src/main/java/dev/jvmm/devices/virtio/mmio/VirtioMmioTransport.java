package dev.jvmm.devices.virtio.mmio;

import static dev.jvmm.devices.virtio.DeviceStatus.ACKNOWLEDGE;
import static dev.jvmm.devices.virtio.DeviceStatus.DEVICE_NEEDS_RESET;
import static dev.jvmm.devices.virtio.DeviceStatus.DRIVER;
import static dev.jvmm.devices.virtio.DeviceStatus.DRIVER_OK;
import static dev.jvmm.devices.virtio.DeviceStatus.FAILED;
import static dev.jvmm.devices.virtio.DeviceStatus.FEATURES_OK;

import dev.jvmm.devices.bus.BusDevice;
import dev.jvmm.devices.irq.InterruptLine;
import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.DeviceGuard;
import dev.jvmm.devices.virtio.QueueHandler;
import dev.jvmm.devices.virtio.QueueNotifier;
import dev.jvmm.devices.virtio.VirtioDevice;
import dev.jvmm.devices.virtio.VirtioFeatures;
import dev.jvmm.devices.virtio.VirtioInterrupt;
import dev.jvmm.devices.virtio.queue.SplitQueue;
import java.util.Objects;

/**
 * The virtio over MMIO transport, version 2 (virtio 1.2 §4.2): the register window of one device on the MMIO bus,
 * the device status state machine (§2.1, §3.1.1), feature negotiation, queue setup and the interrupt status
 * register driving one interrupt line (asserted while InterruptStatus is non-zero).
 *
 * <p>Register accesses come from vCPU threads and are serialised on this object; queue processing runs under a
 * separate lock so that a slow backend never blocks InterruptStatus reads. A driver that breaks a queue, or a
 * device that fails, puts the device into DEVICE_NEEDS_RESET with a configuration change notification (§2.1.2)
 * until the driver resets it.
 */
public final class VirtioMmioTransport implements BusDevice, QueueHandler, DeviceGuard {
    public static final int MAGIC_VALUE = 0x000;
    public static final int VERSION = 0x004;
    public static final int DEVICE_ID = 0x008;
    public static final int VENDOR_ID = 0x00c;
    public static final int DEVICE_FEATURES = 0x010;
    public static final int DEVICE_FEATURES_SEL = 0x014;
    public static final int DRIVER_FEATURES = 0x020;
    public static final int DRIVER_FEATURES_SEL = 0x024;
    public static final int QUEUE_SEL = 0x030;
    public static final int QUEUE_NUM_MAX = 0x034;
    public static final int QUEUE_NUM = 0x038;
    public static final int QUEUE_READY = 0x044;
    public static final int QUEUE_NOTIFY = 0x050;
    public static final int INTERRUPT_STATUS = 0x060;
    public static final int INTERRUPT_ACK = 0x064;
    public static final int STATUS = 0x070;
    public static final int QUEUE_DESC_LOW = 0x080;
    public static final int QUEUE_DESC_HIGH = 0x084;
    public static final int QUEUE_DRIVER_LOW = 0x090;
    public static final int QUEUE_DRIVER_HIGH = 0x094;
    public static final int QUEUE_DEVICE_LOW = 0x0a0;
    public static final int QUEUE_DEVICE_HIGH = 0x0a4;
    public static final int CONFIG_GENERATION = 0x0fc;
    public static final int CONFIG = 0x100;
    /** Size of the register window the VMM maps for one device. */
    public static final long WINDOW_SIZE = 0x200;

    /** "virt" in little-endian. */
    public static final int MAGIC = 0x74726976;
    /** jvmm's vendor ID for its devices ("JVMM" would be too long; any value is allowed). */
    public static final int VENDOR = 0x4d4d564a;
    public static final int INTERRUPT_USED_BUFFER = 1;
    public static final int INTERRUPT_CONFIG_CHANGE = 2;

    private static final System.Logger LOG = System.getLogger(VirtioMmioTransport.class.getName());

    private final VirtioDevice device;
    private final GuestMemory memory;
    private final QueueNotifier notifier;
    private final InterruptStatus interrupt;
    private final SplitQueue[] queues;
    private final long offeredFeatures;
    private final Object deviceLock = new Object();

    private int status;
    /** Set by the device thread; kept apart from {@code status} so that it never needs the register lock. */
    private volatile boolean needsReset;
    private volatile String needsResetReason;
    /** Set by {@link #fail}: the device stays in DEVICE_NEEDS_RESET, through driver resets too. */
    private volatile boolean failed;
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private long driverFeatures;
    private int queueSel;
    private boolean activated;

    public VirtioMmioTransport(VirtioDevice device, GuestMemory memory, InterruptLine line, QueueNotifier notifier) {
        this.device = Objects.requireNonNull(device, "device");
        this.memory = Objects.requireNonNull(memory, "memory");
        this.notifier = Objects.requireNonNull(notifier, "notifier");
        this.interrupt = new InterruptStatus(Objects.requireNonNull(line, "line"));
        this.offeredFeatures = device.deviceFeatures();
        if ((offeredFeatures & VirtioFeatures.VIRTIO_F_VERSION_1) == 0) {
            throw new IllegalArgumentException("virtio-mmio version 2 needs a device offering VIRTIO_F_VERSION_1");
        }
        int[] sizes = device.queueMaxSizes();
        queues = new SplitQueue[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            queues[i] = new SplitQueue(sizes[i]);
        }
    }

    public VirtioDevice device() { return device; }

    public int queueCount() { return queues.length; }

    /** The device status as the driver last saw it (for diagnostics and tests). */
    public synchronized int status() { return statusRegister(); }

    private int statusRegister() { return needsReset ? status | DEVICE_NEEDS_RESET : status; }

    /** Why the device last entered DEVICE_NEEDS_RESET, or {@code null} if it has not since the last reset. */
    public String needsResetReason() { return needsReset ? needsResetReason : null; }

    public int interruptStatus() { return interrupt.bits(); }

    public int configGeneration() { return interrupt.generation(); }

    @Override
    public synchronized long read(long offset, int size) {
        if (offset >= CONFIG) {
            return device.readConfig((int) (offset - CONFIG), size);
        }
        if (size != 4) {
            return 0; // §4.2.2.2: registers are read with 32-bit accesses
        }
        return switch ((int) offset) {
            case MAGIC_VALUE -> MAGIC;
            case VERSION -> 2;
            case DEVICE_ID -> device.deviceType();
            case VENDOR_ID -> VENDOR;
            case DEVICE_FEATURES -> deviceFeaturesSel == 0 || deviceFeaturesSel == 1
                    ? offeredFeatures >>> (32 * deviceFeaturesSel) & 0xffffffffL : 0;
            case QUEUE_NUM_MAX -> selectedQueue() != null ? selectedQueue().maxSize() : 0;
            case QUEUE_READY -> selectedQueue() != null && selectedQueue().isReady() ? 1 : 0;
            case INTERRUPT_STATUS -> interrupt.bits();
            case STATUS -> statusRegister();
            case CONFIG_GENERATION -> interrupt.generation();
            default -> 0;
        };
    }

    @Override
    public void write(long offset, int size, long value) {
        if (offset == QUEUE_NOTIFY && size == 4) {
            notifier.queueNotified(this, (int) value);
            return;
        }
        if (offset == INTERRUPT_ACK && size == 4) {
            interrupt.acknowledge((int) value);
            return;
        }
        synchronized (this) {
            if (offset >= CONFIG) {
                device.writeConfig((int) (offset - CONFIG), size, value);
            } else if (size == 4) {
                writeRegister((int) offset, (int) value);
            }
        }
    }

    private void writeRegister(int offset, int value) {
        switch (offset) {
            case DEVICE_FEATURES_SEL -> deviceFeaturesSel = value;
            case DRIVER_FEATURES_SEL -> driverFeaturesSel = value;
            case DRIVER_FEATURES -> writeDriverFeatures(value);
            case QUEUE_SEL -> queueSel = value;
            case STATUS -> writeStatus(value & 0xff);
            default -> writeQueueRegister(offset, value);
        }
    }

    /** The queue QueueSel names, or {@code null} for a value the driver made up. */
    private SplitQueue selectedQueue() {
        return queueSel >= 0 && queueSel < queues.length ? queues[queueSel] : null;
    }

    private void writeDriverFeatures(int value) {
        // §3.1.1: features are written after DRIVER and before FEATURES_OK.
        if ((status & (DRIVER | FEATURES_OK)) != DRIVER || (driverFeaturesSel != 0 && driverFeaturesSel != 1)) {
            return;
        }
        int shift = 32 * driverFeaturesSel;
        driverFeatures = (driverFeatures & ~(0xffffffffL << shift)) | (Integer.toUnsignedLong(value) << shift);
    }

    private void writeQueueRegister(int offset, int value) {
        SplitQueue queue = selectedQueue();
        if ((status & (FEATURES_OK | DRIVER_OK)) != FEATURES_OK || queue == null) {
            return; // §4.2.3.2: queues are set up after FEATURES_OK and before DRIVER_OK
        }
        long low = Integer.toUnsignedLong(value);
        switch (offset) {
            case QUEUE_NUM -> queue.setSize(value);
            case QUEUE_READY -> queue.setReady(value == 1);
            case QUEUE_DESC_LOW -> queue.setDescTableAddress(queue.descTableAddress() & ~0xffffffffL | low);
            case QUEUE_DESC_HIGH -> queue.setDescTableAddress(queue.descTableAddress() & 0xffffffffL | low << 32);
            case QUEUE_DRIVER_LOW -> queue.setAvailRingAddress(queue.availRingAddress() & ~0xffffffffL | low);
            case QUEUE_DRIVER_HIGH -> queue.setAvailRingAddress(queue.availRingAddress() & 0xffffffffL | low << 32);
            case QUEUE_DEVICE_LOW -> queue.setUsedRingAddress(queue.usedRingAddress() & ~0xffffffffL | low);
            case QUEUE_DEVICE_HIGH -> queue.setUsedRingAddress(queue.usedRingAddress() & 0xffffffffL | low << 32);
            default -> { }
        }
    }

    /**
     * The status state machine (§2.1, §3.1.1): 0 resets; otherwise the driver may only add bits, in the order
     * ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK, or FAILED at any time. FEATURES_OK is refused (left clear) when
     * the driver accepted features the device did not offer or did not accept VIRTIO_F_VERSION_1 (§2.2.2).
     */
    private void writeStatus(int value) {
        if (value == 0) {
            reset();
            return;
        }
        int current = status;
        int wanted = value & ~DEVICE_NEEDS_RESET;
        if ((wanted & current) != current) {
            return; // clearing bits other than by reset is not a transition
        }
        int added = wanted & ~current;
        int next = status;
        if ((added & FAILED) != 0) {
            next |= FAILED;
        }
        if ((added & ACKNOWLEDGE) != 0) {
            next |= ACKNOWLEDGE;
        }
        if ((added & DRIVER) != 0 && (next & ACKNOWLEDGE) != 0) {
            next |= DRIVER;
        }
        if ((added & FEATURES_OK) != 0 && (next & DRIVER) != 0 && featuresAcceptable()) {
            next |= FEATURES_OK;
        }
        boolean activate = (added & DRIVER_OK) != 0 && (next & FEATURES_OK) != 0 && (next & FAILED) == 0;
        if (activate) {
            next |= DRIVER_OK;
        }
        status = next;
        if (activate) {
            activate();
        }
    }

    private boolean featuresAcceptable() {
        return (driverFeatures & ~offeredFeatures) == 0 && (driverFeatures & VirtioFeatures.VIRTIO_F_VERSION_1) != 0;
    }

    private void activate() {
        synchronized (deviceLock) {
            if (failed) {
                needsReset(needsResetReason);
                return;
            }
            try {
                boolean eventIdx = (driverFeatures & VirtioFeatures.VIRTIO_F_RING_EVENT_IDX) != 0;
                for (SplitQueue queue : queues) {
                    queue.setEventIdx(eventIdx);
                    if (queue.isReady()) {
                        queue.attach(memory);
                    }
                }
                device.activate(memory, queues.clone(), driverFeatures, interrupt);
                activated = true;
            } catch (RuntimeException e) {
                needsReset(e.getMessage());
            }
        }
    }

    private void reset() {
        synchronized (deviceLock) {
            activated = false;
            device.reset();
            for (SplitQueue queue : queues) {
                queue.reset();
            }
        }
        status = 0;
        needsReset = failed;
        deviceFeaturesSel = 0;
        driverFeaturesSel = 0;
        driverFeatures = 0;
        queueSel = 0;
        interrupt.clear();
    }

    /** Device-thread entry point: processes queue {@code queueIndex}; never throws for anything the guest did. */
    @Override
    public void processQueue(int queueIndex) {
        synchronized (deviceLock) {
            if (!activated || queueIndex < 0 || queueIndex >= queues.length || !queues[queueIndex].isReady()) {
                return;
            }
            try {
                device.processQueue(queueIndex);
            } catch (RuntimeException e) {
                needsReset(e.getMessage());
            }
        }
    }

    /**
     * Device-thread entry point for backend events (a socket or TAP became readable or writable): runs {@code work}
     * under the same lock as queue processing, only while the device is active; anything it throws puts the device
     * into DEVICE_NEEDS_RESET. Returns whether {@code work} ran.
     */
    @Override
    public boolean runIfActive(Runnable work) {
        synchronized (deviceLock) {
            if (!activated) {
                return false;
            }
            try {
                work.run();
            } catch (RuntimeException e) {
                needsReset(e.getMessage());
            }
            return true;
        }
    }

    /**
     * The VMM side of the device broke (its device thread lost a notification source, say), not the driver: the
     * device enters DEVICE_NEEDS_RESET and stays there, since a driver reset cannot bring back what the VMM lost;
     * the driver sees a configuration change notification (§2.1.2) and the rest of the VM keeps running.
     */
    public void fail(String reason) {
        synchronized (deviceLock) {
            failed = true;
            needsReset(reason);
        }
    }

    /** §2.1.2: stop using the device and tell the driver through a configuration change notification. */
    private void needsReset(String reason) {
        activated = false;
        needsResetReason = reason;
        // DEBUG: the guest can trigger this at will, so it must not flood the log; the VMM reads the reason.
        LOG.log(System.Logger.Level.DEBUG, "virtio device {0} needs reset: {1}", device.deviceType(), reason);
        needsReset = true;
        interrupt.signalConfigChange();
    }

    /** InterruptStatus, the configuration generation and the line they drive; callable from any thread. */
    private static final class InterruptStatus implements VirtioInterrupt {
        private final InterruptLine line;
        private volatile int bits;
        private volatile int generation;

        InterruptStatus(InterruptLine line) {
            this.line = line;
        }

        int bits() { return bits; }

        int generation() { return generation; }

        @Override
        public void signalUsedBuffer(int queueIndex) {
            raise(INTERRUPT_USED_BUFFER);
        }

        @Override
        public void signalConfigChange() {
            synchronized (this) {
                generation++;
            }
            raise(INTERRUPT_CONFIG_CHANGE);
        }

        private synchronized void raise(int bit) {
            bits |= bit;
            line.set(true);
        }

        synchronized void acknowledge(int ack) {
            bits &= ~ack;
            if (bits == 0) {
                line.set(false);
            }
        }

        synchronized void clear() {
            bits = 0;
            line.set(false);
        }
    }
}
