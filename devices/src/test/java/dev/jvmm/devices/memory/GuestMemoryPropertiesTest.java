package dev.jvmm.devices.memory;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * For any (address, length), an access either lies entirely inside one region, reaching exactly the bytes it
 * names, or throws {@link GuestMemoryException}; never another exception and never memory outside a region.
 */
class GuestMemoryPropertiesTest {
    private static final int TRIES = 20_000;
    private static final AtomicLong CASES = new AtomicLong();
    private static final AtomicLong INSIDE = new AtomicLong();

    private static final long LOW = 0x0;
    private static final long LOW_SIZE = 0x2000;
    private static final long HIGH = 0x1_0000_0000L;
    private static final long HIGH_SIZE = 0x1000;

    private final GuestMemory mem = GuestMemory.of(List.of(
            new GuestRegion(LOW, MemorySegment.ofArray(new byte[(int) LOW_SIZE])),
            new GuestRegion(HIGH, MemorySegment.ofArray(new byte[(int) HIGH_SIZE]))));

    @Property(tries = TRIES)
    void sliceIsInsideOneRegionOrRefused(@ForAll("addresses") long address, @ForAll("lengths") long length) {
        CASES.incrementAndGet();
        boolean inside = insideOneRegion(address, length);
        try {
            MemorySegment s = mem.slice(address, length);
            assertTrue(inside, "accepted a range outside guest memory");
            assertEquals(length, s.byteSize());
            INSIDE.incrementAndGet();
        } catch (GuestMemoryException e) {
            assertTrue(!inside, "refused a range inside guest memory");
            assertEquals(address, e.address());
            assertEquals(length, e.length());
        }
        assertEquals(inside, mem.contains(address, length));
    }

    @Property(tries = TRIES)
    void scalarAccessIsInsideOneRegionOrRefused(@ForAll("addresses") long address) {
        CASES.incrementAndGet();
        try {
            mem.writeU64(address, 0x1122334455667788L);
            assertTrue(insideOneRegion(address, 8));
            assertEquals(0x1122334455667788L, mem.readU64(address));
            INSIDE.incrementAndGet();
        } catch (GuestMemoryException e) {
            assertTrue(!insideOneRegion(address, 8));
        }
    }

    @AfterContainer
    static void report() {
        System.out.println("GuestMemoryPropertiesTest: " + CASES.get() + " cases, " + INSIDE.get() + " inside guest memory");
    }

    private static boolean insideOneRegion(long address, long length) {
        if (length < 0) {
            return false;
        }
        return within(address, length, LOW, LOW_SIZE) || within(address, length, HIGH, HIGH_SIZE);
    }

    /** Exact reference in 128-bit-safe arithmetic: BigInteger avoids reusing the code under test's tricks. */
    private static boolean within(long address, long length, long start, long size) {
        var a = java.math.BigInteger.valueOf(address);
        var end = a.add(java.math.BigInteger.valueOf(length));
        return a.compareTo(java.math.BigInteger.valueOf(start)) >= 0
                && end.compareTo(java.math.BigInteger.valueOf(start + size)) <= 0;
    }

    @Provide
    Arbitrary<Long> addresses() {
        return Arbitraries.oneOf(
                Arbitraries.longs(),
                Arbitraries.longs().between(-16, LOW_SIZE + 16),
                Arbitraries.longs().between(HIGH - 16, HIGH + HIGH_SIZE + 16),
                Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, -1L, Long.MAX_VALUE - 7, 0L, LOW_SIZE, HIGH + HIGH_SIZE));
    }

    @Provide
    Arbitrary<Long> lengths() {
        return Arbitraries.oneOf(
                Arbitraries.longs(),
                Arbitraries.longs().between(-8, LOW_SIZE + 8),
                Arbitraries.of(0L, 1L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, HIGH_SIZE, LOW_SIZE));
    }
}
