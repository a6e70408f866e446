package dev.jvmm.core.x86.acpi;

import java.io.ByteArrayOutputStream;

/**
 * A _CRS resource template (ACPI 6.5 §6.4): the resource descriptors a virtio-mmio device needs, closed by an End
 * Tag. Encoded as the bytes of an AML Buffer.
 */
final class ResourceTemplate {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** 32-Bit Fixed Memory Range Descriptor (§6.4.3.4): type 0x86, length 9, read/write. */
    ResourceTemplate memory32Fixed(long base, long length) {
        out.writeBytes(new byte[] {(byte) 0x86, 9, 0, 1});
        out.writeBytes(Aml.le(base, 4));
        out.writeBytes(Aml.le(length, 4));
        return this;
    }

    /**
     * Extended Interrupt Descriptor (§6.4.3.6): type 0x89, one interrupt, consumer, edge-triggered, active-high,
     * exclusive — how virtio-mmio interrupts reach the IOAPIC through an irqfd.
     */
    ResourceTemplate interrupt(int gsi) {
        out.writeBytes(new byte[] {(byte) 0x89, 6, 0, 0b0000_0011, 1});
        out.writeBytes(Aml.le(gsi, 4));
        return this;
    }

    /** I/O Port Descriptor (§6.4.2.5): type 0x47, 16-bit decode, {@code length} ports fixed at {@code base}. */
    ResourceTemplate ioPort(int base, int length) {
        out.writeBytes(new byte[] {0x47, 1, (byte) base, (byte) (base >>> 8), (byte) base, (byte) (base >>> 8), 1,
            (byte) length});
        return this;
    }

    /** IRQ Descriptor without flags (§6.4.2.1): type 0x22, an ISA IRQ (0-15), edge-triggered, active-high. */
    ResourceTemplate isaIrq(int irq) {
        if (irq < 0 || irq > 15) {
            throw new IllegalArgumentException("ISA IRQ " + irq + " is not 0-15");
        }
        int mask = 1 << irq;
        out.writeBytes(new byte[] {0x22, (byte) mask, (byte) (mask >>> 8)});
        return this;
    }

    /** The descriptors followed by an End Tag (0x79, checksum 0 meaning "not computed"). */
    byte[] bytes() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(out.toByteArray());
        all.writeBytes(new byte[] {0x79, 0});
        return all.toByteArray();
    }
}
