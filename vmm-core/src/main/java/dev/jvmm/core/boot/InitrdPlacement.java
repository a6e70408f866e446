package dev.jvmm.core.boot;

import dev.jvmm.core.x86.Layout;

/**
 * Where the initrd goes: as high as possible, page-aligned, ending at or below both the kernel's initrd_addr_max
 * limit and the top of RAM below the MMIO hole, and starting at or above the end of the kernel (boot protocol,
 * "initrd_addr_max" and the loader's usual choice of the highest fitting address).
 */
public final class InitrdPlacement {
    private InitrdPlacement() {}

    /**
     * @param initrdAddrMax the highest address the initrd's last byte may occupy (setup_header.initrd_addr_max)
     * @param kernelEnd first address after the kernel's boot footprint
     */
    public static long place(long initrdSize, long initrdAddrMax, long kernelEnd, long memorySize) {
        if (initrdSize <= 0) {
            throw new BootException("initrd is empty");
        }
        long top = Math.min(initrdAddrMax + 1, Layout.lowRamEnd(memorySize));
        long address = (top - initrdSize) & ~(Layout.PAGE_SIZE - 1);
        if (initrdSize > top || address < kernelEnd) {
            throw new BootException("initrd of " + initrdSize + " bytes does not fit between the kernel end 0x"
                    + Long.toHexString(kernelEnd) + " and 0x" + Long.toHexString(top)
                    + " (initrd_addr_max and low RAM)");
        }
        return address;
    }
}
