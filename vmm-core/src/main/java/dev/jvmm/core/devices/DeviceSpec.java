package dev.jvmm.core.devices;

/**
 * One virtio device of a VM's configuration as the user asked for it: validated values, nothing opened yet.
 * {@link DeviceRegistry} turns a spec into a device model.
 */
public sealed interface DeviceSpec permits DiskSpec, EntropySpec, NetSpec, VsockSpec {
    /** The command-line option that asks for this kind of device, e.g. {@code --disk}. */
    String option();

    /** The device kind in thread names and logs, after Linux's driver names: {@code blk}, {@code net}... */
    String kind();

    /** The option and its essential value, so that a message names what the user wrote. */
    String describe();
}
