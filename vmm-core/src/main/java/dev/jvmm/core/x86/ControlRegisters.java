package dev.jvmm.core.x86;

/**
 * Values to set (not to OR in) for CR0, CR3, CR4 and EFER at guest entry (Intel SDM Vol. 3, "Control Registers" and "IA-32e Mode").
 */
public record ControlRegisters(long cr0, long cr3, long cr4, long efer) {
    public static final long CR0_PE = 1L;
    public static final long CR0_ET = 1L << 4;
    public static final long CR0_NE = 1L << 5;
    public static final long CR0_NW = 1L << 29;
    public static final long CR0_CD = 1L << 30;
    public static final long CR0_PG = 1L << 31;
    public static final long CR4_PAE = 1L << 5;
    public static final long EFER_LME = 1L << 8;
    public static final long EFER_LMA = 1L << 10;

    /** IA-32e mode with 4-level paging rooted at {@code cr3}. */
    public static ControlRegisters longMode(long cr3) {
        return new ControlRegisters(CR0_PE | CR0_ET | CR0_NE | CR0_PG, cr3, CR4_PAE, EFER_LME | EFER_LMA);
    }

    /** Protected mode, paging off; PVH boot ABI: CR0.PE set, all other writeable bits clear, CR4 0. */
    public static ControlRegisters protectedMode() {
        return new ControlRegisters(CR0_PE | CR0_ET, 0, 0, 0);
    }

    /** The architectural reset state (SDM Vol. 3, "Processor State After Reset": CR0 = 60000010H). */
    public static ControlRegisters realMode() {
        return new ControlRegisters(CR0_CD | CR0_NW | CR0_ET, 0, 0, 0);
    }
}
