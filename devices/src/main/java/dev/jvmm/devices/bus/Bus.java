package dev.jvmm.devices.bus;

import java.util.Arrays;

/**
 * Address ranges mapped to {@link BusDevice}s: one instance for port I/O, one for MMIO. Lookup is a binary search
 * over sorted arrays, so dispatching an access allocates nothing. Accesses to unmapped addresses read as all
 * ones and writes to them are dropped, as on a PC bus; they are counted so the VMM can report them.
 * Registration happens before the vCPUs start; dispatch is then read-only and safe from any vCPU thread.
 */
public final class Bus {
    private final String name;
    private long[] bases = new long[0];
    private long[] lengths = new long[0];
    private BusDevice[] devices = new BusDevice[0];
    private volatile long unhandled;

    public Bus(String name) {
        this.name = name;
    }

    /** Maps {@code [base, base + length)} to {@code device}; overlapping an existing range is an error. */
    public synchronized void register(long base, long length, BusDevice device) {
        // Addresses are unsigned 64-bit; compare last addresses so a range may end exactly at 2^64.
        long last = base + length - 1;
        if (length <= 0 || Long.compareUnsigned(last, base) < 0) {
            throw new IllegalArgumentException(name + ": bad range at 0x" + Long.toHexString(base));
        }
        int at = insertionPoint(base);
        if ((at > 0 && Long.compareUnsigned(bases[at - 1] + lengths[at - 1] - 1, base) >= 0)
                || (at < bases.length && Long.compareUnsigned(last, bases[at]) >= 0)) {
            throw new IllegalArgumentException(name + ": range 0x" + Long.toHexString(base) + "+0x"
                    + Long.toHexString(length) + " overlaps a registered device");
        }
        bases = insert(bases, at, base);
        lengths = insert(lengths, at, length);
        BusDevice[] d = Arrays.copyOf(devices, devices.length + 1);
        System.arraycopy(devices, at, d, at + 1, devices.length - at);
        d[at] = device;
        devices = d;
    }

    /** Dispatches a read; unmapped addresses read as all ones. */
    public long read(long address, int size) {
        int i = find(address, size);
        if (i < 0) {
            unhandled++;
            return -1L;
        }
        return devices[i].read(address - bases[i], size);
    }

    /** Dispatches a write; returns false when no device is mapped there (the write is dropped). */
    public boolean write(long address, int size, long value) {
        int i = find(address, size);
        if (i < 0) {
            unhandled++;
            return false;
        }
        devices[i].write(address - bases[i], size, value);
        return true;
    }

    /** Whether some device is mapped at {@code address}. */
    public boolean isMapped(long address) {
        return find(address, 1) >= 0;
    }

    /** Accesses that hit no device since the VM started. */
    public long unhandledAccesses() {
        return unhandled;
    }

    public String name() {
        return name;
    }

    private int find(long address, int size) {
        long[] b = bases;
        int lo = 0;
        int hi = b.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(b[mid], address) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (hi < 0) {
            return -1;
        }
        long offset = address - b[hi];
        return Long.compareUnsigned(offset, lengths[hi]) < 0 && Long.compareUnsigned(size, lengths[hi] - offset) <= 0
                ? hi : -1;
    }

    private int insertionPoint(long base) {
        int i = 0;
        while (i < bases.length && Long.compareUnsigned(bases[i], base) < 0) {
            i++;
        }
        return i;
    }

    private static long[] insert(long[] a, int at, long v) {
        long[] r = Arrays.copyOf(a, a.length + 1);
        System.arraycopy(a, at, r, at + 1, a.length - at);
        r[at] = v;
        return r;
    }
}
