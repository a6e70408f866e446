package dev.jvmm.devices.acpi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AcpiSleepControlTest {
    private final AtomicInteger powerOffs = new AtomicInteger();
    private final AcpiSleepControl device = new AcpiSleepControl(5, powerOffs::incrementAndGet);

    @Test
    void slpEnWithTheS5SleepTypePowersOff() {
        device.write(AcpiSleepControl.SLEEP_CONTROL, 1, 5 << 2 | 1 << 5); // what Linux's acpi_hw_extended_sleep writes
        assertEquals(1, powerOffs.get());
    }

    @Test
    void otherSleepTypesTheWakeStatusClearAndSlpTypWithoutSlpEnAreIgnored() {
        device.write(AcpiSleepControl.SLEEP_CONTROL, 1, 3 << 2 | 1 << 5);
        device.write(AcpiSleepControl.SLEEP_CONTROL, 1, 5 << 2);
        device.write(AcpiSleepControl.SLEEP_STATUS, 1, 0x80);
        assertEquals(0, powerOffs.get());
        assertEquals(0, device.read(AcpiSleepControl.SLEEP_STATUS, 1));
    }
}
