package dev.jvmm.devices.rtc;

import dev.jvmm.devices.bus.BusDevice;

import java.time.Clock;
import java.time.LocalDateTime;
import java.util.Objects;

/**
 * The MC146818 real-time clock and its 128 bytes of CMOS RAM, at ports 0x70 (index; bit 7, the NMI mask, is
 * ignored) and 0x71 (data). Registered as one device over {@code [0x70, 0x72)}. The time registers follow
 * {@code clock} (writes to them are ignored: the guest's clock is the host's), encoded as register B asks:
 * BCD unless DM is set, 12-hour unless 24/12 is set. The update cycle is never in progress and no RTC
 * interrupts are raised. The VMM publishes the guest's RAM size with {@link #setMemorySizes}.
 */
public final class Cmos implements BusDevice {
    public static final int INDEX_PORT = 0x70;
    public static final int DATA_PORT = 0x71;
    public static final int RANGE_LENGTH = 2;

    private static final int SECONDS = 0x00;
    private static final int MINUTES = 0x02;
    private static final int HOURS = 0x04;
    private static final int DAY_OF_WEEK = 0x06;
    private static final int DAY_OF_MONTH = 0x07;
    private static final int MONTH = 0x08;
    private static final int YEAR = 0x09;
    private static final int REG_A = 0x0a;
    private static final int REG_B = 0x0b;
    private static final int REG_C = 0x0c;
    private static final int REG_D = 0x0d;
    private static final int CENTURY = 0x32;

    private static final int REG_A_UIP = 0x80;
    private static final int REG_B_DM_BINARY = 0x04;
    private static final int REG_B_24H = 0x02;
    private static final int REG_D_VRT = 0x80;
    private static final int HOURS_PM = 0x80;

    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;
    private static final long GIB = 1024 * MIB;
    private static final long CHUNK_64K = 64 * KIB;

    private final Clock clock;
    private final byte[] ram = new byte[128];
    private int index;

    /** A CMOS whose time registers read {@code clock} in its zone. */
    public Cmos(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        ram[REG_A] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate: what firmware programs
        ram[REG_B] = REG_B_24H;
        ram[REG_D] = (byte) REG_D_VRT;
    }

    /**
     * Publishes the RAM size as firmware and QEMU lay it out: base memory 640 KiB (0x15/0x16), KiB above 1 MiB
     * below 4 GiB capped at 0xFFFF (0x17/0x18 and 0x30/0x31), 64 KiB units above 16 MiB below 4 GiB capped at
     * 0xFFFF (0x34/0x35), and 64 KiB units above 4 GiB (0x5b-0x5d).
     *
     * @param belowFourGiB bytes of RAM from address 0 up to the 32-bit MMIO hole
     * @param aboveFourGiB bytes of RAM from 4 GiB up
     */
    public synchronized void setMemorySizes(long belowFourGiB, long aboveFourGiB) {
        if (belowFourGiB < 0 || belowFourGiB > 4 * GIB || aboveFourGiB < 0) {
            throw new IllegalArgumentException("bad memory sizes " + belowFourGiB + ", " + aboveFourGiB);
        }
        long aboveUnits = aboveFourGiB / CHUNK_64K;
        if (aboveUnits > 0xff_ffffL) {
            throw new IllegalArgumentException("memory above 4 GiB too large for CMOS: " + aboveFourGiB);
        }
        setWord(0x15, 640);
        int extended = (int) Math.min(0xffff, Math.max(0, belowFourGiB - MIB) / KIB);
        setWord(0x17, extended);
        setWord(0x30, extended);
        setWord(0x34, (int) Math.min(0xffff, Math.max(0, belowFourGiB - 16 * MIB) / CHUNK_64K));
        ram[0x5b] = (byte) aboveUnits;
        ram[0x5c] = (byte) (aboveUnits >>> 8);
        ram[0x5d] = (byte) (aboveUnits >>> 16);
    }

    /** Offsets from port 0x70: 0 is the index, 1 the data. */
    @Override
    public synchronized long read(long offset, int size) {
        // The index register is write-only; reading it yields the floating bus.
        int value = offset == 1 ? readRegister(index) : 0xff;
        return value | (size > 1 ? -1L << 8 : 0);
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        if (offset == 0) {
            index = (int) value & 0x7f;
        } else if (offset == 1) {
            writeRegister(index, (int) value & 0xff);
        }
    }

    private int readRegister(int reg) {
        switch (reg) {
            case SECONDS, MINUTES, HOURS, DAY_OF_WEEK, DAY_OF_MONTH, MONTH, YEAR, CENTURY -> {
                return timeRegister(reg, LocalDateTime.now(clock));
            }
            case REG_A -> {
                return ram[REG_A] & ~REG_A_UIP & 0xff;
            }
            case REG_C -> {
                return 0; // no interrupt flags: this RTC raises no interrupts
            }
            case REG_D -> {
                return REG_D_VRT;
            }
            default -> {
                return ram[reg] & 0xff;
            }
        }
    }

    private void writeRegister(int reg, int value) {
        switch (reg) {
            case SECONDS, MINUTES, HOURS, DAY_OF_WEEK, DAY_OF_MONTH, MONTH, YEAR, CENTURY, REG_C, REG_D -> { }
            case REG_A -> ram[REG_A] = (byte) (value & ~REG_A_UIP);
            default -> ram[reg] = (byte) value;
        }
    }

    private int timeRegister(int reg, LocalDateTime now) {
        if (reg == HOURS) {
            int hour = now.getHour();
            if ((ram[REG_B] & REG_B_24H) != 0) {
                return encode(hour);
            }
            int twelve = hour % 12 == 0 ? 12 : hour % 12;
            return encode(twelve) | (hour >= 12 ? HOURS_PM : 0);
        }
        int v = switch (reg) {
            case SECONDS -> now.getSecond();
            case MINUTES -> now.getMinute();
            case DAY_OF_WEEK -> now.getDayOfWeek().getValue() % 7 + 1; // Sunday is 1
            case DAY_OF_MONTH -> now.getDayOfMonth();
            case MONTH -> now.getMonthValue();
            case YEAR -> now.getYear() % 100;
            default -> now.getYear() / 100;
        };
        return encode(v);
    }

    private int encode(int v) {
        return (ram[REG_B] & REG_B_DM_BINARY) != 0 ? v : (v / 10) << 4 | v % 10;
    }

    private void setWord(int reg, int value) {
        ram[reg] = (byte) value;
        ram[reg + 1] = (byte) (value >>> 8);
    }
}
