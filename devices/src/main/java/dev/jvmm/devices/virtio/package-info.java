/**
 * Virtio devices (virtio 1.2): the {@link dev.jvmm.devices.virtio.VirtioDevice} contract between a device and its
 * transport, how notifications reach a device thread ({@link dev.jvmm.devices.virtio.QueueNotifier},
 * {@link dev.jvmm.devices.virtio.QueueHandler}) and how a device signals the driver
 * ({@link dev.jvmm.devices.virtio.VirtioInterrupt}). Sub-packages hold the split virtqueue, the MMIO transport and
 * one package per device.
 */
package dev.jvmm.devices.virtio;
