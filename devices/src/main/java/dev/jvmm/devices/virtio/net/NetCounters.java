package dev.jvmm.devices.virtio.net;

/**
 * What a virtio-net device did with the frames that crossed it, for the VMM's metrics and for diagnosis: frames and
 * bytes (Ethernet frames, without the virtio header) each way, and everything it dropped, by reason. Written by
 * the device thread under the transport's device lock; read from any thread.
 */
public final class NetCounters {
    private volatile long txFrames;
    private volatile long txBytes;
    private volatile long txMalformed;
    private volatile long txBackendErrors;
    private volatile long rxFrames;
    private volatile long rxBytes;
    private volatile long rxDropped;
    private volatile long rxInvalidBuffers;
    private volatile long rxBackendErrors;

    /** Frames the backend took from the guest. */
    public long txFrames() { return txFrames; }

    public long txBytes() { return txBytes; }

    /** Transmit chains dropped for breaking §5.1.6.2: too short or long, a header the features forbid or wrong. */
    public long txMalformed() { return txMalformed; }

    /** Frames the backend refused (a TAP that is down answers EIO). */
    public long txBackendErrors() { return txBackendErrors; }

    /** Frames placed into the guest's receive buffers. */
    public long rxFrames() { return rxFrames; }

    public long rxBytes() { return rxBytes; }

    /** Frames read from the backend and dropped: larger than the buffer, shorter than an Ethernet header. */
    public long rxDropped() { return rxDropped; }

    /** Receive chains returned unused: device-readable parts, or too small for a header and an Ethernet header. */
    public long rxInvalidBuffers() { return rxInvalidBuffers; }

    /** Reads from the backend that failed other than with EAGAIN. */
    public long rxBackendErrors() { return rxBackendErrors; }

    void transmitted(long bytes) {
        txFrames++;
        txBytes += bytes;
    }

    void txMalformedChain() { txMalformed++; }

    void txRefused() { txBackendErrors++; }

    void received(long bytes) {
        rxFrames++;
        rxBytes += bytes;
    }

    void rxFrameDropped() { rxDropped++; }

    void rxBufferInvalid() { rxInvalidBuffers++; }

    void rxReadFailed() { rxBackendErrors++; }

    @Override
    public String toString() {
        return "tx " + txFrames + " frames/" + txBytes + " B (" + txMalformed + " malformed, " + txBackendErrors
                + " refused), rx " + rxFrames + " frames/" + rxBytes + " B (" + rxDropped + " dropped, "
                + rxInvalidBuffers + " invalid buffers, " + rxBackendErrors + " read errors)";
    }
}
