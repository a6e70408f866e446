package dev.jvmm.devices.virtio;

/**
 * A device-specific configuration space (virtio 1.2 §2.5): little-endian fields in a fixed byte array, read at any
 * offset and width the driver uses. Reads outside it return 0.
 */
public final class ConfigSpace {
    private final byte[] bytes;

    public ConfigSpace(int size) {
        bytes = new byte[size];
    }

    public int size() { return bytes.length; }

    public ConfigSpace putU8(int offset, int value) { return put(offset, 1, value); }

    public ConfigSpace putU16(int offset, int value) { return put(offset, 2, value); }

    public ConfigSpace putU32(int offset, long value) { return put(offset, 4, value); }

    public ConfigSpace putU64(int offset, long value) { return put(offset, 8, value); }

    private ConfigSpace put(int offset, int size, long value) {
        for (int i = 0; i < size; i++) {
            bytes[offset + i] = (byte) (value >>> (8 * i));
        }
        return this;
    }

    /** The little-endian value of {@code size} (1..8) bytes at {@code offset}, or 0 if that is not inside. */
    public long read(int offset, int size) {
        if (offset < 0 || size < 1 || size > 8 || offset > bytes.length - size) {
            return 0;
        }
        long value = 0;
        for (int i = size - 1; i >= 0; i--) {
            value = (value << 8) | (bytes[offset + i] & 0xff);
        }
        return value;
    }
}
