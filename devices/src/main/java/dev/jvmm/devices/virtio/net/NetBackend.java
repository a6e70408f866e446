package dev.jvmm.devices.virtio.net;

import dev.jvmm.sys.IoVectors;

/**
 * Where a virtio-net device sends the guest's frames and finds frames for it: a TAP interface in the VMM, an
 * in-memory exchange in tests. Every frame crosses this interface preceded by a {@link VirtioNetHeader} of
 * {@link VirtioNetHeader#BYTES} bytes (a TAP with IFF_VNET_HDR and TUNSETVNETHDRSZ 12 speaks exactly that), and
 * both calls move one whole frame through caller-owned buffers without blocking.
 */
public interface NetBackend extends AutoCloseable {
    /** Names the backend in messages and logs (for a TAP, its interface name). */
    String name();

    /** A file descriptor that polls readable (EPOLLIN) while a frame waits to be read; the device watches it. */
    int readyFd();

    /** The TUN_F_* offloads ({@link NetFeatures}) the backend can turn on; they decide the features offered. */
    int supportedOffloads();

    /**
     * Turns on exactly {@code offloads}, a subset of {@link #supportedOffloads()}: from now on the backend may hand
     * over frames with a partial checksum or a GSO header only of those kinds.
     */
    void setOffloads(int offloads);

    /**
     * Reads one frame, header first, into the entries of {@code into}. Returns the frame's whole length including
     * the header, which is more than {@code into.byteSize()} when it did not fit (the rest is lost), or
     * {@code -errno}: -EAGAIN when no frame waits.
     */
    long readFrame(IoVectors into);

    /** Writes one frame, header first, from the entries of {@code from}; returns the bytes taken or {@code -errno}. */
    long writeFrame(IoVectors from);

    @Override
    void close();
}
