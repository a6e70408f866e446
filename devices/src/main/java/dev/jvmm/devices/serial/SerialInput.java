package dev.jvmm.devices.serial;

/**
 * The host side of a serial port's receiver: what a console feeds the guest through. The receiver is bounded, so a
 * feeder keeps what was refused and waits for the drain notification instead of buffering without limit.
 */
public interface SerialInput {
    /**
     * Queues the leading bytes of {@code bytes[offset, offset + length)} that fit and returns how many were taken.
     * Fewer than {@code length} means the receiver is full; the drain listener then runs once the guest has emptied
     * it. Allocation-free; callable from any thread.
     */
    int receive(byte[] bytes, int offset, int length);

    /**
     * Sets what runs when the receiver, after refusing bytes, has been emptied by the guest. It runs on the thread
     * that emptied it (a vCPU thread) with the device locked: it must be quick and must not call back into the
     * device (signalling an eventfd is the intended use). {@code () -> {}} detaches.
     */
    void setDrainListener(Runnable listener);
}
