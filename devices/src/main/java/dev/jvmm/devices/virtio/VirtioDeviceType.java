package dev.jvmm.devices.virtio;

/** Device IDs of virtio 1.2 §5. */
public final class VirtioDeviceType {
    public static final int NET = 1;
    public static final int BLOCK = 2;
    public static final int CONSOLE = 3;
    public static final int ENTROPY = 4;
    public static final int BALLOON = 5;
    public static final int VSOCK = 19;

    private VirtioDeviceType() { }
}
