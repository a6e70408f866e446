/** The virtio block device (virtio 1.2 §5.2) and its backends. */
package dev.jvmm.devices.virtio.blk;
