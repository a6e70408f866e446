package dev.jvmm.core.devices;

import dev.jvmm.devices.virtio.blk.RawFileBackend;
import dev.jvmm.devices.virtio.blk.VirtioBlock;
import dev.jvmm.devices.virtio.net.MacAddress;
import dev.jvmm.devices.virtio.net.TapBackend;
import dev.jvmm.devices.virtio.net.VirtioNet;
import dev.jvmm.devices.virtio.rng.GetRandomSource;
import dev.jvmm.devices.virtio.rng.VirtioRng;
import dev.jvmm.devices.virtio.vsock.VirtioVsock;
import java.io.IOException;

/** The factories of the device kinds this module builds itself: one small method per kind. */
final class BuiltInDevices {
    private BuiltInDevices() {}

    /** virtio-blk over a raw image, locked for the life of the VM so that two VMs never share a writable image. */
    static BuiltDevice disk(DiskSpec spec) throws IOException {
        RawFileBackend backend = RawFileBackend.open(spec.path(), spec.readOnly());
        try {
            return new BuiltDevice(new VirtioBlock(backend, spec.serial().orElse("")), backend);
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /** virtio-net on a TAP interface (created when absent), with the MAC the spec carries. */
    static BuiltDevice net(NetSpec spec) throws IOException {
        TapBackend tap = TapBackend.open(spec.tap());
        try {
            return BuiltDevice.of(new VirtioNet(tap, MacAddress.parse(spec.mac())));
        } catch (RuntimeException e) {
            tap.close();
            throw e;
        }
    }

    /** virtio-vsock with Firecracker's host side on Unix sockets at the spec's path. */
    static BuiltDevice vsock(VsockSpec spec) {
        return BuiltDevice.of(new VirtioVsock(spec.guestCid(), spec.socket()));
    }

    /** virtio-rng over the kernel's getrandom(2), which allocates nothing per request (SecureRandom does). */
    static BuiltDevice entropy(EntropySpec spec) {
        GetRandomSource source = new GetRandomSource();
        return new BuiltDevice(new VirtioRng(source), source);
    }
}
