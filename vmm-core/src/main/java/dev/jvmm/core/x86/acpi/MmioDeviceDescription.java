package dev.jvmm.core.x86.acpi;

/** A virtio-mmio device as the DSDT describes it: its register window and its interrupt (GSI). */
public record MmioDeviceDescription(long address, long length, int gsi) {
    public MmioDeviceDescription {
        if (address < 0 || length <= 0 || address + length > 0x1_0000_0000L) {
            throw new IllegalArgumentException("virtio-mmio window 0x" + Long.toHexString(address) + "+0x"
                    + Long.toHexString(length) + " is not below 4 GiB");
        }
        if (gsi < 0) {
            throw new IllegalArgumentException("negative GSI " + gsi);
        }
    }
}
