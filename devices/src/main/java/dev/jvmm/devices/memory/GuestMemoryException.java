package dev.jvmm.devices.memory;

/**
 * A guest-physical access that falls outside guest RAM (or wraps around 2^64). Devices catch it and answer the
 * guest with an error status; it never reaches memory outside the guest.
 */
public final class GuestMemoryException extends RuntimeException {
    private final long address;
    private final long length;

    public GuestMemoryException(long address, long length) {
        super("guest access [0x" + Long.toHexString(address) + ", +" + Long.toUnsignedString(length)
                + ") is outside guest memory", null, false, false);
        this.address = address;
        this.length = length;
    }

    public long address() { return address; }

    public long length() { return length; }
}
