package dev.jvmm.core.vm;

import dev.jvmm.core.kvm.KvmRun;
import dev.jvmm.core.kvm.VcpuExit;
import dev.jvmm.devices.bus.Bus;

/**
 * The part of a vCPU's loop that answers port I/O and MMIO exits from the buses (KVM API §5, KVM_EXIT_IO and
 * KVM_EXIT_MMIO): outputs and writes go to the device mapped there, inputs and reads come back through
 * {@code kvm_run} for the next KVM_RUN to complete the guest's instruction. Allocates nothing.
 */
public final class BusExits {
    private final Bus pio;
    private final Bus mmio;

    public BusExits(Bus pio, Bus mmio) {
        this.pio = pio;
        this.mmio = mmio;
    }

    /** Handles {@code exit} when it is port I/O or MMIO, from {@code run}'s fields; false for any other exit. */
    public boolean handle(VcpuExit exit, KvmRun run) {
        switch (exit) {
            case IO_OUT -> {
                int port = run.ioPort();
                int size = run.ioSize();
                int count = run.ioCount();
                for (int i = 0; i < count; i++) {
                    pio.write(port, size, run.ioData(i));
                }
            }
            case IO_IN -> {
                int port = run.ioPort();
                int size = run.ioSize();
                int count = run.ioCount();
                for (int i = 0; i < count; i++) {
                    run.ioData(i, pio.read(port, size));
                }
            }
            case MMIO_WRITE -> mmio.write(run.mmioAddress(), run.mmioLength(), run.mmioData());
            case MMIO_READ -> run.mmioData(mmio.read(run.mmioAddress(), run.mmioLength()));
            default -> {
                return false;
            }
        }
        return true;
    }
}
