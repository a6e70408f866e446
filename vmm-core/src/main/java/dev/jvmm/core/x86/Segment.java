package dev.jvmm.core.x86;

/**
 * A segment register as KVM takes it in struct kvm_segment: the descriptor's fields unpacked, with {@code limit}
 * in bytes (already scaled by the granularity bit, as KVM expects).
 */
public record Segment(int selector, long base, long limit, int type, boolean present, int dpl, boolean db,
                      boolean s, boolean l, boolean g, boolean avl) {

    /** The segment a CPU loads from the 8-byte GDT descriptor {@code descriptor} (Intel SDM Vol. 3, "Segment Descriptors"). */
    public static Segment fromDescriptor(int selector, long descriptor) {
        long base = ((descriptor >>> 16) & 0xFF_FFFFL) | (((descriptor >>> 56) & 0xFF) << 24);
        long rawLimit = (descriptor & 0xFFFF) | (((descriptor >>> 48) & 0xF) << 16);
        boolean g = bit(descriptor, 55);
        long limit = g ? (rawLimit << 12) | 0xFFF : rawLimit;
        return new Segment(selector, base, limit, (int) (descriptor >>> 40) & 0xF, bit(descriptor, 47),
                (int) (descriptor >>> 45) & 3, bit(descriptor, 54), bit(descriptor, 44), bit(descriptor, 53), g,
                bit(descriptor, 52));
    }

    private static boolean bit(long value, int bit) {
        return ((value >>> bit) & 1) != 0;
    }
}
