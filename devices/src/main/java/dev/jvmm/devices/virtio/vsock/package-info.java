/**
 * The virtio socket device (virtio 1.2 §5.10): stream connections between guest ports and host programs on Unix
 * domain sockets, in Firecracker's protocol ({@code CONNECT <port>\n} / {@code OK <port>\n} on the device's socket,
 * {@code <path>_<port>} for guest-initiated connections). {@link dev.jvmm.devices.virtio.vsock.VirtioVsock} is the
 * device; the rest is its host side.
 */
package dev.jvmm.devices.virtio.vsock;
