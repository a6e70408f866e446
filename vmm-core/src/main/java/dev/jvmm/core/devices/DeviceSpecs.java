package dev.jvmm.core.devices;

import dev.jvmm.core.vm.VmmException;
import dev.jvmm.core.x86.Layout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The checks of a VM's device list that need the host's file system or the whole list: what can be refused before
 * anything is opened, each with one line naming the option and what to do.
 */
public final class DeviceSpecs {
    private DeviceSpecs() {}

    /** @throws VmmException bad input for the first problem found */
    public static void validate(List<DeviceSpec> devices) {
        checkCount(devices.size());
        Map<Path, DiskSpec> images = new HashMap<>();
        Map<String, NetSpec> taps = new HashMap<>();
        int entropy = 0;
        int vsock = 0;
        for (DeviceSpec spec : devices) {
            switch (spec) {
                case DiskSpec d -> {
                    DiskSpec other = images.put(checkImage(d), d);
                    if (other != null) {
                        throw VmmException.badInput("--disk " + d.path() + " is the same image as --disk " + other.path()
                                + ": an image can back one disk only");
                    }
                }
                case NetSpec n -> {
                    if (taps.put(n.tap(), n) != null) {
                        throw VmmException.badInput(n.describe() + " is given twice: a TAP can back one device only");
                    }
                }
                case EntropySpec e -> entropy++;
                case VsockSpec v -> {
                    vsock++;
                    checkSocketDirectory(v);
                }
            }
        }
        if (entropy > 1) {
            throw VmmException.badInput("--entropy is given " + entropy + " times: one entropy device is enough");
        }
        if (vsock > 1) {
            throw VmmException.badInput("--vsock is given " + vsock + " times: a VM has one vsock device (one CID)");
        }
    }

    /** One GSI per device: refuses more devices than {@link Layout#VIRTIO_MAX_DEVICES}. */
    static void checkCount(int count) {
        if (count > Layout.VIRTIO_MAX_DEVICES) {
            throw VmmException.badInput(count + " virtio devices are configured; jvmm has interrupt lines for at most "
                    + Layout.VIRTIO_MAX_DEVICES);
        }
    }

    /** Checks the image as far as possible before locking it; returns its real path (to find duplicates). */
    private static Path checkImage(DiskSpec d) {
        Path p = d.path();
        String option = "--disk " + p;
        if (!Files.exists(p)) {
            throw VmmException.badInput(option + ": no such file");
        }
        if (!Files.isRegularFile(p)) {
            throw VmmException.badInput(option + ": not a regular file (give a raw disk image)");
        }
        if (!Files.isReadable(p)) {
            throw VmmException.badInput(option + ": not readable (check its permissions)");
        }
        if (!d.readOnly() && !Files.isWritable(p)) {
            throw VmmException.badInput(option + ": not writable (check its permissions, or add ,ro)");
        }
        try {
            long size = Files.size(p);
            if (size == 0) {
                throw VmmException.badInput(option + ": the image is empty; give at least one 512-byte sector");
            }
            if (size % 512 != 0) {
                throw VmmException.badInput(option + ": the image is " + size
                        + " bytes, not a whole number of 512-byte sectors");
            }
            return p.toRealPath();
        } catch (IOException e) {
            throw VmmException.badInput(option + ": " + e.getMessage());
        }
    }

    private static void checkSocketDirectory(VsockSpec v) {
        Path parent = v.socket().toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw VmmException.badInput("--vsock socket=" + v.socket() + ": directory " + parent + " does not exist");
        }
    }
}
