package dev.jvmm.devices.bus;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BusTest {
    private final Bus bus = new Bus("test");

    @Test
    void dispatchesReadsWithOffsetFromTheRangeBase() {
        Recorder dev = new Recorder(0x42);
        bus.register(0x3f8, 8, dev);
        assertEquals(0x42, bus.read(0x3fd, 1));
        assertEquals(List.of("r 5 1"), dev.calls);
    }

    @Test
    void dispatchesWritesWithOffsetSizeAndValue() {
        Recorder dev = new Recorder(0);
        bus.register(0x1000, 0x100, dev);
        assertTrue(bus.write(0x1010, 4, 0xdeadbeefL));
        assertEquals(List.of("w 16 4 deadbeef"), dev.calls);
    }

    @Test
    void picksTheRightDeviceAmongNeighbours() {
        Recorder a = new Recorder(1);
        Recorder b = new Recorder(2);
        Recorder c = new Recorder(3);
        bus.register(0x70, 2, b);
        bus.register(0x3f8, 8, c);
        bus.register(0x60, 5, a);
        assertEquals(1, bus.read(0x64, 1));
        assertEquals(2, bus.read(0x70, 1));
        assertEquals(2, bus.read(0x71, 1));
        assertEquals(3, bus.read(0x3ff, 1));
        assertEquals(-1L, bus.read(0x72, 1));
    }

    @Test
    void unmappedReadsAreAllOnesAndCounted() {
        bus.register(0x10, 1, new Recorder(0));
        assertEquals(-1L, bus.read(0x0f, 1));
        assertEquals(-1L, bus.read(0x11, 2));
        assertFalse(bus.write(0x20, 1, 0));
        assertEquals(3, bus.unhandledAccesses());
        assertFalse(bus.isMapped(0x11));
        assertTrue(bus.isMapped(0x10));
    }

    @Test
    void accessesOnAnEmptyBusAreUnhandled() {
        assertEquals(-1L, bus.read(0, 1));
        assertFalse(bus.write(0, 1, 0));
    }

    @Test
    void refusesAccessesCrossingTheEndOfARange() {
        Recorder dev = new Recorder(0);
        bus.register(0x100, 4, dev);
        assertEquals(0, bus.read(0x100, 4));
        assertEquals(-1L, bus.read(0x102, 4));
        assertEquals(-1L, bus.read(0x103, 2));
        assertFalse(bus.write(0x101, 4, 0));
        assertEquals(1, dev.calls.size());
    }

    @Test
    void refusesAccessesWithImpossibleSizes() {
        bus.register(0x100, 4, new Recorder(0));
        assertEquals(-1L, bus.read(0x100, -1));
        assertEquals(-1L, bus.read(0x100, Integer.MIN_VALUE));
    }

    @Test
    void rejectsOverlappingRanges() {
        bus.register(0x100, 0x10, new Recorder(0));
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x10f, 1, new Recorder(0)));
        assertThrows(IllegalArgumentException.class, () -> bus.register(0xf0, 0x11, new Recorder(0)));
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x104, 2, new Recorder(0)));
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x0, 0x1000, new Recorder(0)));
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x100, 0x10, new Recorder(0)));
    }

    @Test
    void acceptsAdjacentRanges() {
        bus.register(0x100, 0x10, new Recorder(1));
        bus.register(0xf0, 0x10, new Recorder(2));
        bus.register(0x110, 0x10, new Recorder(3));
        assertEquals(2, bus.read(0xff, 1));
        assertEquals(1, bus.read(0x100, 1));
        assertEquals(3, bus.read(0x110, 1));
    }

    @Test
    void rejectsEmptyNegativeAndWrappingRanges() {
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x100, 0, new Recorder(0)));
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x100, -1, new Recorder(0)));
        assertThrows(IllegalArgumentException.class, () -> bus.register(-0x10L, 0x11, new Recorder(0)));
    }

    @Test
    void handlesMmioAddressesAbove2To31() {
        Recorder lapic = new Recorder(7);
        bus.register(0xfee00000L, 0x1000, lapic);
        bus.register(0xd0000000L, 0x1000, new Recorder(8));
        assertEquals(7, bus.read(0xfee00030L, 4));
        assertEquals(8, bus.read(0xd0000000L, 4));
        assertEquals(List.of("r 48 4"), lapic.calls);
    }

    @Test
    void ordersAddressesAbove2To63AsUnsigned() {
        Recorder low = new Recorder(1);
        Recorder high = new Recorder(2);
        Recorder top = new Recorder(3);
        bus.register(0x1000, 0x1000, low);
        bus.register(0x8000_0000_0000_0000L, 0x1000, high);
        bus.register(0xffff_ffff_ffff_f000L, 0x1000, top); // ends exactly at 2^64
        assertEquals(1, bus.read(0x1800, 1));
        assertEquals(2, bus.read(0x8000_0000_0000_0fffL, 1));
        assertEquals(3, bus.read(0xffff_ffff_ffff_fff8L, 8));
        assertEquals(-1L, bus.read(0xffff_ffff_ffff_fffcL, 8), "an access wrapping past 2^64 is refused");
        assertEquals(-1L, bus.read(0x7fff_ffff_ffff_ffffL, 1));
        assertEquals(-1L, bus.read(0x8000_0000_0000_1000L, 1));
    }

    @Test
    void acceptsARangeCrossing2To63() {
        Recorder dev = new Recorder(5);
        bus.register(0x7fff_ffff_ffff_f000L, 0x2000, dev);
        assertEquals(5, bus.read(0x8000_0000_0000_0000L, 4));
        assertEquals(List.of("r 4096 4"), dev.calls);
        assertThrows(IllegalArgumentException.class,
                () -> bus.register(0x8000_0000_0000_0800L, 0x10, new Recorder(0)));
    }

    private static final class Recorder implements BusDevice {
        final List<String> calls = new ArrayList<>();
        private final long value;

        Recorder(long value) {
            this.value = value;
        }

        @Override
        public long read(long offset, int size) {
            calls.add("r " + offset + " " + size);
            return value;
        }

        @Override
        public void write(long offset, int size, long value) {
            calls.add("w " + offset + " " + size + " " + Long.toHexString(value));
        }
    }
}
