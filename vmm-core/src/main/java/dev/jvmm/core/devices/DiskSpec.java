package dev.jvmm.core.devices;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A virtio block device (virtio 1.2 §5.2) over a raw image file: {@code --disk PATH[,ro][,id=SERIAL]}.
 *
 * @param path     the image; its size must be a whole number of 512-byte sectors
 * @param readOnly offer VIRTIO_BLK_F_RO and open the image read-only (shared lock)
 * @param serial   the device ID answered to VIRTIO_BLK_T_GET_ID (printable ASCII, at most 20 bytes); empty for
 *                 none, as QEMU does
 */
public record DiskSpec(Path path, boolean readOnly, Optional<String> serial) implements DeviceSpec {
    /** Bytes of the GET_ID string (§5.2.6: "up to 20 bytes"). */
    public static final int MAX_SERIAL_BYTES = 20;

    public DiskSpec {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(serial, "serial");
        serial.ifPresent(DiskSpec::checkSerial);
    }

    public DiskSpec(Path path, boolean readOnly) {
        this(path, readOnly, Optional.empty());
    }

    private static void checkSerial(String s) {
        if (s.isEmpty()) {
            throw new IllegalArgumentException("the id is empty");
        }
        if (s.getBytes(StandardCharsets.US_ASCII).length > MAX_SERIAL_BYTES) {
            throw new IllegalArgumentException("the id \"" + s + "\" is longer than " + MAX_SERIAL_BYTES + " bytes");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7e || c == ',') {
                throw new IllegalArgumentException("the id \"" + s + "\" has a character other than printable ASCII"
                        + " without space or comma");
            }
        }
    }

    @Override
    public String option() { return "--disk"; }

    @Override
    public String kind() { return "blk"; }

    @Override
    public String describe() { return "--disk " + path; }
}
