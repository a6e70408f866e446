package dev.jvmm.devices.bus;

/**
 * A device on the port-I/O or MMIO bus. The vCPU thread calls it for every access that lands in the range the
 * device was registered for, with the offset from the start of that range and the access size in bytes
 * (1, 2, 4 or 8). Values travel as primitives so that the exit path allocates nothing.
 */
public interface BusDevice {
    /** The value the guest reads; only the low {@code size} bytes are used. */
    long read(long offset, int size);

    /** A guest write of the low {@code size} bytes of {@code value}. */
    void write(long offset, int size, long value);
}
