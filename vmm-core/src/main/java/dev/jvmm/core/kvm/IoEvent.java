package dev.jvmm.core.kvm;

import java.util.OptionalLong;

/**
 * Which guest writes an ioeventfd catches (KVM API document §4.59 KVM_IOEVENTFD): writes of {@code length} bytes to
 * {@code address} on the MMIO bus, or the port I/O bus when {@code pio}; with a {@code datamatch}, only writes of
 * that value (KVM_IOEVENTFD_FLAG_DATAMATCH). Other writes exit to user space as usual.
 *
 * @param address   guest-physical address (or I/O port)
 * @param length    access size in bytes: 1, 2, 4 or 8
 * @param pio       port I/O rather than MMIO
 * @param datamatch the value a write must carry to be caught, or empty for any value
 */
public record IoEvent(long address, int length, boolean pio, OptionalLong datamatch) {
    public IoEvent {
        if (length != 1 && length != 2 && length != 4 && length != 8) {
            throw new IllegalArgumentException("ioeventfd length " + length + " is not 1, 2, 4 or 8");
        }
        if (pio && (address < 0 || address > 0xFFFF)) {
            throw new IllegalArgumentException("I/O port 0x" + Long.toHexString(address) + " is above 0xffff");
        }
        if (datamatch.isPresent() && length < 8 && (datamatch.getAsLong() >>> (8 * length)) != 0) {
            // KVM compares the value as written, zero-extended: a wider datamatch would never match.
            throw new IllegalArgumentException("datamatch 0x" + Long.toHexString(datamatch.getAsLong())
                    + " does not fit in " + length + " bytes");
        }
    }

    /** MMIO writes of {@code length} bytes at {@code address}, any value. */
    public static IoEvent mmio(long address, int length) {
        return new IoEvent(address, length, false, OptionalLong.empty());
    }

    /** The same writes, caught only when they carry {@code value}. */
    public IoEvent withDatamatch(long value) {
        return new IoEvent(address, length, pio, OptionalLong.of(value));
    }
}
