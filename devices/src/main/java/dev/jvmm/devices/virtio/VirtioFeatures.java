package dev.jvmm.devices.virtio;

/** Reserved feature bits of virtio 1.2 §6 as masks, and the set every jvmm device supports. */
public final class VirtioFeatures {
    public static final long VIRTIO_F_INDIRECT_DESC = 1L << 28;
    public static final long VIRTIO_F_RING_EVENT_IDX = 1L << 29;
    public static final long VIRTIO_F_VERSION_1 = 1L << 32;
    public static final long VIRTIO_F_ACCESS_PLATFORM = 1L << 33;
    public static final long VIRTIO_F_RING_PACKED = 1L << 34;

    /** What {@link dev.jvmm.devices.virtio.queue.SplitQueue} implements: modern device, indirect, event index. */
    public static final long TRANSPORT_FEATURES = VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC | VIRTIO_F_RING_EVENT_IDX;

    private VirtioFeatures() { }
}
