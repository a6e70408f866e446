package dev.jvmm.core.x86;

import java.util.List;
import java.util.stream.IntStream;

/**
 * The guest-physical address map of a jvmm x86-64 guest: where the VMM puts its boot structures below 1 MiB, where
 * the kernel goes, and the 32-bit MMIO hole that splits RAM. One place, so that the e820 map, the loaders and the
 * device wiring agree.
 */
public final class Layout {
    private Layout() {}

    public static final long PAGE_SIZE = 0x1000;

    /** Boot GDT (room for {@link #GDT_MAX_ENTRIES} descriptors), then an empty IDT. */
    public static final long GDT_ADDRESS = 0x500;
    public static final int GDT_MAX_ENTRIES = 8;
    public static final long IDT_ADDRESS = GDT_ADDRESS + GDT_MAX_ENTRIES * 8L;
    public static final int IDT_SIZE = 8;

    /** hvm_start_info, its module list and its memory map (PVH boot ABI), below the zero page. */
    public static final long PVH_START_INFO_ADDRESS = 0x6000;
    public static final long PVH_MODLIST_ADDRESS = 0x6040;
    public static final long PVH_MEMMAP_ADDRESS = 0x6100;
    public static final int PVH_MEMMAP_MAX_ENTRIES = (int) ((0x7000 - PVH_MEMMAP_ADDRESS) / 24);

    /** struct boot_params, the "zero page" (Documentation/arch/x86/zero-page.rst). */
    public static final long ZERO_PAGE_ADDRESS = 0x7000;

    /** Initial stack for flat long-mode and PVH entries: grows down from here inside the free page 0x8000. */
    public static final long BOOT_STACK_POINTER = 0x8FF0;

    /** Identity-map page tables: PML4, one PDPT, four PDs of 2 MiB pages covering 4 GiB. */
    public static final long PML4_ADDRESS = 0x9000;
    public static final long PDPT_ADDRESS = 0xA000;
    public static final long PD_ADDRESS = 0xB000;
    public static final int PD_COUNT = 4;
    public static final long PAGE_TABLES_END = PD_ADDRESS + PD_COUNT * PAGE_SIZE;

    /** Kernel command line; the kernel's own limit is setup_header.cmdline_size. */
    public static final long CMDLINE_ADDRESS = 0x20000;
    public static final int CMDLINE_MAX_SIZE = 0x10000;

    /** Extended BIOS data area: the MP floating pointer and table live in its first (and only) KiB. */
    public static final long EBDA_START = 0x9FC00;
    public static final long EBDA_END = 0xA0000;
    /** System BIOS area, reserved in e820 with the EBDA and the legacy video/ROM hole. */
    public static final long BIOS_AREA_START = 0xF0000;

    /** The protected-mode kernel (boot protocol "loaded high") and the start of high memory. */
    public static final long KERNEL_START = 0x100000;

    /** The 32-bit MMIO hole: no RAM here; RAM beyond it continues at 4 GiB. */
    public static final long MMIO_HOLE_START = 0xC000_0000L;
    public static final long MMIO_HOLE_END = 0x1_0000_0000L;

    public static final long IOAPIC_ADDRESS = 0xFEC0_0000L;
    public static final long LAPIC_ADDRESS = 0xFEE0_0000L;
    /** KVM_SET_TSS_ADDR needs three pages, KVM_SET_IDENTITY_MAP_ADDR one, both inside the hole below 4 GiB. */
    public static final long KVM_TSS_ADDRESS = 0xFFFB_D000L;
    public static final int KVM_TSS_SIZE = 3 * 0x1000;
    public static final long KVM_IDENTITY_MAP_ADDRESS = 0xFFFB_C000L;

    /** virtio-mmio device windows: one 4 KiB window per device from here. */
    public static final long VIRTIO_MMIO_START = 0xD000_0000L;
    public static final long VIRTIO_MMIO_SIZE = 0x1000;
    public static final long VIRTIO_MMIO_END = 0xE000_0000L;

    /** Pins of KVM's in-kernel I/O APIC: GSIs 0 to 23 (KVM_IOAPIC_NUM_PINS). */
    public static final int IOAPIC_PINS = 24;

    /**
     * GSIs of the virtio-mmio devices, one each in device order: 5 upward, clear of the legacy devices' ISA IRQs
     * (PIT 0, i8042 keyboard 1, COM1 4) and of those Linux claims on a PC whether or not we emulate anything
     * behind them: 8 (rtc_cmos, for our CMOS) and 12 (the i8042 AUX port, which our i8042 answers in its probe).
     * All are ISA-style edge-triggered, active-high pins in the MP table, which is what an irqfd injects.
     */
    private static final int[] VIRTIO_GSIS = IntStream.range(5, IOAPIC_PINS)
            .filter(gsi -> gsi != 8 && gsi != 12).toArray();

    /** Most virtio-mmio devices one VM can have: one GSI each. */
    public static final int VIRTIO_MAX_DEVICES = VIRTIO_GSIS.length;

    /** The GSI (I/O APIC pin) of virtio-mmio device {@code index} (0-based). */
    public static int virtioGsi(int index) {
        if (index < 0 || index >= VIRTIO_GSIS.length) {
            throw new IllegalArgumentException("no GSI for virtio device index " + index + ": at most "
                    + VIRTIO_MAX_DEVICES + " devices");
        }
        return VIRTIO_GSIS[index];
    }

    /** Guest address of the virtio-mmio window of device {@code index} (0-based). */
    public static long virtioMmioAddress(int index) {
        long address = VIRTIO_MMIO_START + index * VIRTIO_MMIO_SIZE;
        if (index < 0 || address + VIRTIO_MMIO_SIZE > VIRTIO_MMIO_END) {
            throw new IllegalArgumentException("no virtio-mmio window for device index " + index);
        }
        return address;
    }

    /**
     * Guest RAM of {@code memorySize} bytes laid out around the MMIO hole: one region from 0, and a second from
     * 4 GiB holding whatever does not fit below the hole.
     */
    public static List<RamRegion> ramRegions(long memorySize) {
        checkMemorySize(memorySize);
        if (memorySize <= MMIO_HOLE_START) {
            return List.of(new RamRegion(0, memorySize));
        }
        return List.of(new RamRegion(0, MMIO_HOLE_START),
                new RamRegion(MMIO_HOLE_END, memorySize - MMIO_HOLE_START));
    }

    /** First address after the RAM below the MMIO hole. */
    public static long lowRamEnd(long memorySize) {
        checkMemorySize(memorySize);
        return Math.min(memorySize, MMIO_HOLE_START);
    }

    private static void checkMemorySize(long memorySize) {
        if (memorySize < KERNEL_START || memorySize % PAGE_SIZE != 0) {
            throw new IllegalArgumentException("guest memory size " + memorySize
                    + " must be a multiple of 4 KiB and at least 1 MiB");
        }
        if (memorySize > (1L << 46)) {
            throw new IllegalArgumentException("guest memory size " + memorySize + " exceeds 64 TiB");
        }
    }
}
