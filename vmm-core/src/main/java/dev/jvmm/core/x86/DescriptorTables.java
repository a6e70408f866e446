package dev.jvmm.core.x86;

/**
 * What the vCPU loads after {@link Gdt} wrote its tables: GDTR and IDTR (base, limit) and the segment registers.
 * {@code data} goes into DS, ES, FS, GS and SS.
 */
public record DescriptorTables(long gdtBase, int gdtLimit, long idtBase, int idtLimit, Segment code, Segment data,
                               Segment tr) {}
