/**
 * The virtio network device (virtio 1.2 §5.1): {@link dev.jvmm.devices.virtio.net.VirtioNet} with its transmit and
 * receive paths, the {@link dev.jvmm.devices.virtio.net.NetBackend} it exchanges frames with and its TAP
 * implementation, the MAC address type and the device's counters.
 */
package dev.jvmm.devices.virtio.net;
