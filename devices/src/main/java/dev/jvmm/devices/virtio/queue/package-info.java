/** The split virtqueue (virtio 1.2 §2.7) and the validated descriptor chains devices read and write. */
package dev.jvmm.devices.virtio.queue;
