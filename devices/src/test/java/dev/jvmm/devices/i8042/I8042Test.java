package dev.jvmm.devices.i8042;

import dev.jvmm.devices.bus.Bus;
import dev.jvmm.devices.irq.InterruptLine;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Follows the sequences of Linux's drivers/input/serio/i8042.c and the keyboard-controller reboot. */
class I8042Test {
    private final AtomicInteger resets = new AtomicInteger();
    private final Level kbd = new Level();
    private final Level aux = new Level();
    private final I8042 i8042 = new I8042(kbd, aux, resets::incrementAndGet);
    private final Bus bus = new Bus("pio");

    I8042Test() {
        bus.register(I8042.DATA_PORT, I8042.RANGE_LENGTH, i8042);
    }

    private int status() {
        return (int) bus.read(0x64, 1) & 0xff;
    }

    private int data() {
        return (int) bus.read(0x60, 1) & 0xff;
    }

    private void command(int c) {
        bus.write(0x64, 1, c);
    }

    private void dataOut(int d) {
        bus.write(0x60, 1, d);
    }

    @Test
    void startsWithEmptyBuffersAndKeylockOpen() {
        assertEquals(0, status() & 0x03, "neither output nor input buffer full");
        assertEquals(0x10, status() & 0x10);
        assertEquals(0x04, status() & 0x04, "system flag set after POST");
    }

    @Test
    void selfTestAnswers55() {
        command(0xaa);
        assertEquals(0x01, status() & 0x01);
        assertEquals(0x55, data());
        assertEquals(0, status() & 0x01);
    }

    @Test
    void interfaceTestsAnswerZero() {
        command(0xab);
        assertEquals(0x00, data());
        command(0xa9);
        assertEquals(0x00, data());
    }

    @Test
    void readsAndWritesTheCommandByte() {
        command(0x20);
        int ctr = data();
        assertEquals(ctr, readCtr(), "two reads agree, as Linux requires for a stable CTR");
        command(0x60);
        dataOut(0x30);
        assertEquals(0x30, readCtr());
    }

    @Test
    void kbdAndAuxDisableCommandsToggleCtrBits() {
        command(0xad);
        assertEquals(0x10, readCtr() & 0x10);
        command(0xae);
        assertEquals(0, readCtr() & 0x10);
        command(0xa7);
        assertEquals(0x20, readCtr() & 0x20);
        command(0xa8);
        assertEquals(0, readCtr() & 0x20);
    }

    @Test
    void auxLoopReturnsTheByteAsMouseData() {
        command(0xd3);
        dataOut(0x5a);
        assertEquals(0x21, status() & 0x21);
        assertEquals(0x5a, data());
        assertEquals(0, status() & 0x21);
    }

    @Test
    void kbdLoopReturnsTheByteAsKeyboardData() {
        command(0xd2);
        dataOut(0x1c);
        assertEquals(0x01, status() & 0x21);
        assertEquals(0x1c, data());
    }

    @Test
    void raisesIrq1WhileKeyboardDataWaitsAndCtrAllowsIt() {
        writeCtr(0x01);
        assertFalse(kbd.level);
        command(0xd2);
        dataOut(0x1c);
        assertTrue(kbd.level);
        assertFalse(aux.level);
        data();
        assertFalse(kbd.level);
    }

    @Test
    void keepsIrq1LowWhenCtrDisablesIt() {
        writeCtr(0x00);
        command(0xaa);
        assertFalse(kbd.level);
        assertEquals(0x55, data());
    }

    @Test
    void raisesIrq12ForMouseDataWhenCtrAllowsIt() {
        writeCtr(0x02);
        command(0xd3);
        dataOut(0xa5);
        assertTrue(aux.level);
        assertFalse(kbd.level);
        data();
        assertFalse(aux.level);
    }

    @Test
    void enablingKbdInterruptWithDataPendingRaisesIrq1() {
        writeCtr(0x00);
        command(0xd2);
        dataOut(0x01);
        assertFalse(kbd.level);
        command(0x60);
        dataOut(0x01);
        assertTrue(kbd.level);
    }

    @Test
    void pulseResetLineRequestsReset() {
        command(0xfe);
        assertEquals(1, resets.get());
    }

    @Test
    void pulsesThatLeaveResetAloneDoNotReset() {
        command(0xff);
        command(0xfd);
        assertEquals(0, resets.get());
    }

    @Test
    void writingOutputPortWithResetLowRequestsReset() {
        command(0xd1);
        dataOut(0x03);
        assertEquals(0, resets.get());
        command(0xd0);
        assertEquals(0x03, data());
        command(0xd1);
        dataOut(0x02);
        assertEquals(1, resets.get());
    }

    @Test
    void bytesForAbsentDevicesAreDropped() {
        dataOut(0xf2); // keyboard GETID
        command(0xd4);
        dataOut(0xff); // mouse reset
        assertEquals(0, status() & 0x01);
    }

    @Test
    void statusTracksWhetherLastWriteWasCommandOrData() {
        command(0xa8);
        assertEquals(0x08, status() & 0x08);
        dataOut(0xf4);
        assertEquals(0, status() & 0x08);
    }

    @Test
    void otherPortsInTheRangeReadAllOnesAndIgnoreWrites() {
        bus.write(0x61, 1, 0x00);
        assertEquals(0xff, bus.read(0x61, 1) & 0xff);
        assertEquals(0xff, bus.read(0x63, 1) & 0xff);
    }

    @Test
    void oneByteViewsServePortsSixtyAndSixtyFourLeavingSixtyOneFree() {
        I8042 c = new I8042(InterruptLine.NONE, resets::incrementAndGet);
        Bus pio = new Bus("pio");
        pio.register(I8042.DATA_PORT, 1, c.dataPort());
        pio.register(I8042.COMMAND_PORT, 1, c.commandPort());
        pio.register(0x61, 1, new dev.jvmm.devices.bus.BusDevice() {
            @Override
            public long read(long offset, int size) {
                return 0x20;
            }

            @Override
            public void write(long offset, int size, long value) { }
        });
        pio.write(0x64, 1, 0xaa);
        assertEquals(0x01, pio.read(0x64, 1) & 0x01);
        assertEquals(0x55, pio.read(0x60, 1));
        assertEquals(0x20, pio.read(0x61, 1));
        pio.write(0x64, 1, 0xfe);
        assertEquals(1, resets.get());
    }

    private int readCtr() {
        command(0x20);
        return data();
    }

    private void writeCtr(int ctr) {
        command(0x60);
        dataOut(ctr);
    }

    private static final class Level implements InterruptLine {
        boolean level;

        @Override
        public void set(boolean asserted) {
            level = asserted;
        }
    }
}
