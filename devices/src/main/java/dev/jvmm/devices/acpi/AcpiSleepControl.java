package dev.jvmm.devices.acpi;

import dev.jvmm.devices.bus.BusDevice;
import java.util.Objects;

/**
 * The sleep control and sleep status registers of a hardware-reduced ACPI platform (ACPI 6.5 §4.8.3.7), two
 * one-byte I/O registers the FADT points at. A write of SLP_EN with the sleep type of {@code \_S5_} is the guest
 * powering off; other sleep states are not offered, so other writes are ignored, as is the status register's
 * WAK_STS clear the guest does first.
 */
public final class AcpiSleepControl implements BusDevice {
    public static final int REGISTER_COUNT = 2;
    public static final int SLEEP_CONTROL = 0;
    public static final int SLEEP_STATUS = 1;
    static final int SLP_EN = 1 << 5;
    static final int SLP_TYP_SHIFT = 2;
    static final int SLP_TYP_MASK = 0b111;

    private final int s5SleepType;
    private final Runnable onPowerOff;

    /** @param s5SleepType the SLP_TYPx value the DSDT's {@code \_S5_} object gives */
    public AcpiSleepControl(int s5SleepType, Runnable onPowerOff) {
        this.s5SleepType = s5SleepType;
        this.onPowerOff = Objects.requireNonNull(onPowerOff, "onPowerOff");
    }

    @Override
    public long read(long offset, int size) {
        return 0; // WAK_STS never set: nothing wakes a powered-off microVM
    }

    @Override
    public void write(long offset, int size, long value) {
        if (offset == SLEEP_CONTROL && (value & SLP_EN) != 0
                && ((value >>> SLP_TYP_SHIFT) & SLP_TYP_MASK) == s5SleepType) {
            onPowerOff.run();
        }
    }
}
