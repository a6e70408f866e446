package dev.jvmm.core.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.core.vm.VmmException;
import dev.jvmm.devices.virtio.VirtioDeviceType;
import dev.jvmm.devices.virtio.rng.VirtioRng;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceRegistryTest {
    private static final NetSpec NET = new NetSpec("tap0", "52:54:00:12:34:56");
    private static final VsockSpec VSOCK = new VsockSpec(3, Path.of("/tmp/v.sock"));

    @Test
    void thisBuildMakesEveryKind() throws Exception {
        DeviceRegistry r = DeviceRegistry.builtIn();
        assertTrue(r.supports(new DiskSpec(Path.of("a.img"), false)));
        assertTrue(r.supports(new EntropySpec()));
        assertTrue(r.supports(NET));
        assertTrue(r.supports(VSOCK));
        BuiltDevice rng = r.create(new EntropySpec());
        assertEquals(VirtioDeviceType.ENTROPY, rng.device().deviceType());
        rng.owned().close();
    }

    @Test
    void aKindWithoutFactoryIsBadInputNamingItsOption() {
        DeviceRegistry entropyOnly = DeviceRegistry.empty().with(EntropySpec.class, spec -> BuiltDevice
                .withoutResources(new VirtioRng()));
        VmmException e = assertThrows(VmmException.class,
                () -> entropyOnly.requireSupported(List.of(new EntropySpec(), VSOCK)));
        assertTrue(e.isBadInput());
        assertEquals("--vsock is not available in this build of jvmm", e.getMessage());
        assertThrows(VmmException.class, () -> entropyOnly.create(NET));
    }

    @Test
    void aRegisteredFactoryMakesItsKind() {
        BuiltDevice made = BuiltDevice.withoutResources(new VirtioRng());
        DeviceRegistry empty = DeviceRegistry.empty();
        DeviceRegistry r = empty.with(NetSpec.class, spec -> {
            assertSame(NET, spec);
            return made;
        });
        assertSame(made, r.create(NET));
        assertFalse(empty.supports(NET), "registries are immutable");
    }

    @Test
    void aBackendThatCannotOpenIsBadInputNamingTheDevice() {
        DeviceRegistry r = DeviceRegistry.empty().with(NetSpec.class, spec -> {
            throw new IOException("TUNSETIFF: Operation not permitted");
        });
        VmmException e = assertThrows(VmmException.class, () -> r.create(NET));
        assertTrue(e.isBadInput());
        assertEquals("--net tap=tap0: TUNSETIFF: Operation not permitted", e.getMessage());
    }
}
