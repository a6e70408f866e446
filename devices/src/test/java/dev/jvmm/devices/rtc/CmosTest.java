package dev.jvmm.devices.rtc;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CmosTest {
    private static final long MIB = 1024 * 1024;
    private static final long GIB = 1024 * MIB;

    // Sunday 2024-03-17 21:05:09 UTC
    private final Cmos cmos = new Cmos(Clock.fixed(Instant.parse("2024-03-17T21:05:09Z"), ZoneOffset.UTC));

    private int reg(int index) {
        cmos.write(0, 1, index);
        return (int) cmos.read(1, 1) & 0xff;
    }

    private void set(int index, int value) {
        cmos.write(0, 1, index);
        cmos.write(1, 1, value);
    }

    @Test
    void readsTimeInBcdAnd24HourModeByDefault() {
        assertEquals(0x09, reg(0x00));
        assertEquals(0x05, reg(0x02));
        assertEquals(0x21, reg(0x04));
        assertEquals(0x01, reg(0x06), "Sunday is day 1");
        assertEquals(0x17, reg(0x07));
        assertEquals(0x03, reg(0x08));
        assertEquals(0x24, reg(0x09));
        assertEquals(0x20, reg(0x32));
    }

    @Test
    void readsBinaryWhenRegisterBSetsDm() {
        set(0x0b, 0x02 | 0x04);
        assertEquals(9, reg(0x00));
        assertEquals(21, reg(0x04));
        assertEquals(17, reg(0x07));
        assertEquals(24, reg(0x09));
        assertEquals(20, reg(0x32));
    }

    @Test
    void readsTwelveHourClockWithPmBitWhenRegisterBAsks() {
        set(0x0b, 0x00);
        assertEquals(0x80 | 0x09, reg(0x04));
        set(0x0b, 0x04);
        assertEquals(0x80 | 9, reg(0x04));
    }

    @Test
    void midnightAndNoonAreTwelveInTwelveHourMode() {
        Cmos midnight = new Cmos(Clock.fixed(Instant.parse("2024-03-17T00:30:00Z"), ZoneOffset.UTC));
        midnight.write(0, 1, 0x0b);
        midnight.write(1, 1, 0x00);
        midnight.write(0, 1, 0x04);
        assertEquals(0x12, midnight.read(1, 1));
        Cmos noon = new Cmos(Clock.fixed(Instant.parse("2024-03-17T12:30:00Z"), ZoneOffset.UTC));
        noon.write(0, 1, 0x0b);
        noon.write(1, 1, 0x00);
        noon.write(0, 1, 0x04);
        assertEquals(0x92, noon.read(1, 1));
    }

    @Test
    void followsTheClockZone() {
        Cmos tokyo = new Cmos(Clock.fixed(Instant.parse("2024-03-17T21:05:09Z"), ZoneOffset.ofHours(9)));
        tokyo.write(0, 1, 0x04);
        assertEquals(0x06, tokyo.read(1, 1));
        tokyo.write(0, 1, 0x07);
        assertEquals(0x18, tokyo.read(1, 1));
    }

    @Test
    void ignoresTheNmiMaskBitOfTheIndex() {
        cmos.write(0, 1, 0x80 | 0x09);
        assertEquals(0x24, cmos.read(1, 1));
    }

    @Test
    void statusRegistersSayValidAndNoUpdateInProgress() {
        assertEquals(0, reg(0x0a) & 0x80);
        assertEquals(0x26, reg(0x0a));
        assertEquals(0x02, reg(0x0b));
        assertEquals(0x00, reg(0x0c));
        assertEquals(0x80, reg(0x0d));
    }

    @Test
    void registerAKeepsRateButNeverUip() {
        set(0x0a, 0xa6);
        assertEquals(0x26, reg(0x0a));
    }

    @Test
    void registerDIsReadOnly() {
        set(0x0d, 0x00);
        assertEquals(0x80, reg(0x0d));
    }

    @Test
    void timeWritesDoNotChangeTheClock() {
        set(0x00, 0x59);
        assertEquals(0x09, reg(0x00));
    }

    @Test
    void plainRamBytesHoldWhatIsWritten() {
        set(0x40, 0xab);
        set(0x7f, 0xcd);
        assertEquals(0xab, reg(0x40));
        assertEquals(0xcd, reg(0x7f));
    }

    @Test
    void publishesMemorySizesForTwoGiB() {
        cmos.setMemorySizes(2 * GIB, 0);
        assertEquals(640, reg(0x15) | reg(0x16) << 8);
        assertEquals(0xffff, reg(0x30) | reg(0x31) << 8, "extended memory is capped");
        assertEquals(0xffff, reg(0x17) | reg(0x18) << 8);
        assertEquals((int) ((2 * GIB - 16 * MIB) / 65536), reg(0x34) | reg(0x35) << 8);
        assertEquals(0, reg(0x5b) | reg(0x5c) << 8 | reg(0x5d) << 16);
    }

    @Test
    void publishesMemorySizesForSmallGuestAndHighMemory() {
        cmos.setMemorySizes(32 * MIB, 6 * GIB);
        assertEquals(31 * 1024, reg(0x30) | reg(0x31) << 8);
        assertEquals(256, reg(0x34) | reg(0x35) << 8);
        assertEquals(0x018000, reg(0x5b) | reg(0x5c) << 8 | reg(0x5d) << 16);
    }

    @Test
    void publishesZeroForMemoryBelowTheThresholds() {
        cmos.setMemorySizes(512 * 1024, 0);
        assertEquals(0, reg(0x30) | reg(0x31) << 8);
        assertEquals(0, reg(0x34) | reg(0x35) << 8);
    }

    @Test
    void rejectsImpossibleMemorySizes() {
        assertThrows(IllegalArgumentException.class, () -> cmos.setMemorySizes(-1, 0));
        assertThrows(IllegalArgumentException.class, () -> cmos.setMemorySizes(5 * GIB, 0));
        assertThrows(IllegalArgumentException.class, () -> cmos.setMemorySizes(0, 1L << 40));
    }

    @Test
    void indexPortReadsFloatingBus() {
        assertEquals(0xff, cmos.read(0, 1));
    }
}
