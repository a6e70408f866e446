package dev.jvmm.devices.virtio;

/**
 * How a device's backend handlers enter the device: the transport runs them under the lock that also serialises
 * queue processing, activation and reset, so a backend event never races a driver reset.
 */
@FunctionalInterface
public interface DeviceGuard {
    /**
     * Runs {@code work} if the device is active (DRIVER_OK and not DEVICE_NEEDS_RESET); anything it throws puts the
     * device into DEVICE_NEEDS_RESET. Returns whether it ran.
     */
    boolean runIfActive(Runnable work);

    /** Runs everything at once, for tests that drive a device without a transport. */
    DeviceGuard DIRECT = work -> {
        work.run();
        return true;
    };
}
