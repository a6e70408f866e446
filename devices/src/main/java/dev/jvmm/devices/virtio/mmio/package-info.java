/** Virtio over MMIO, version 2 (virtio 1.2 §4.2). */
package dev.jvmm.devices.virtio.mmio;
