package dev.jvmm.core.devices;

import dev.jvmm.core.x86.Layout;
import dev.jvmm.devices.virtio.mmio.VirtioMmioTransport;
import java.util.Locale;

/**
 * Where virtio device {@code index} sits in the guest: its virtio-mmio register window and its GSI, both taken from
 * {@link Layout} so that the MMIO bus, KVM and the kernel command line agree.
 *
 * @param index    0-based position of the device in the VM's device list
 * @param mmioBase guest-physical address of its 4 KiB window
 * @param gsi      its interrupt line (I/O APIC pin)
 */
public record DeviceSlot(int index, long mmioBase, int gsi) {
    /** Size of the window the bus maps: a whole page, as announced on the command line ({@code 4K@}). */
    public static final long WINDOW_SIZE = Layout.VIRTIO_MMIO_SIZE;

    public static DeviceSlot of(int index) {
        return new DeviceSlot(index, Layout.virtioMmioAddress(index), Layout.virtioGsi(index));
    }

    /** Guest address of the QueueNotify register (virtio 1.2 §4.2.2), which the ioeventfds watch. */
    public long queueNotifyAddress() {
        return mmioBase + VirtioMmioTransport.QUEUE_NOTIFY;
    }

    /**
     * How Linux learns of the device without a device tree or ACPI: {@code virtio_mmio.device=<size>@<base>:<irq>}
     * (drivers/virtio/virtio_mmio.c, "command line" devices; needs CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES).
     */
    public String kernelParameter() {
        return String.format(Locale.ROOT, "virtio_mmio.device=%dK@0x%x:%d", WINDOW_SIZE >> 10, mmioBase, gsi);
    }
}
