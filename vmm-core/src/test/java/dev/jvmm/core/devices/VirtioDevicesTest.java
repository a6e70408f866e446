package dev.jvmm.core.devices;

import static dev.jvmm.devices.virtio.mmio.VirtioMmioTransport.INTERRUPT_ACK;
import static dev.jvmm.devices.virtio.mmio.VirtioMmioTransport.INTERRUPT_CONFIG_CHANGE;
import static dev.jvmm.devices.virtio.mmio.VirtioMmioTransport.INTERRUPT_STATUS;
import static dev.jvmm.devices.virtio.mmio.VirtioMmioTransport.INTERRUPT_USED_BUFFER;
import static dev.jvmm.devices.virtio.mmio.VirtioMmioTransport.QUEUE_NOTIFY;
import static dev.jvmm.devices.virtio.mmio.VirtioMmioTransport.STATUS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.core.kvm.IoEvent;
import dev.jvmm.core.vm.VmmException;
import dev.jvmm.devices.bus.Bus;
import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.memory.GuestRegion;
import dev.jvmm.devices.virtio.DeviceStatus;
import dev.jvmm.devices.virtio.VirtioDevice;
import dev.jvmm.devices.virtio.VirtioInterrupt;
import dev.jvmm.devices.virtio.blk.RawFileBackend;
import dev.jvmm.devices.virtio.queue.SplitQueue;
import dev.jvmm.devices.virtio.rng.VirtioRng;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wiring of virtio devices without KVM: {@link FakeKvm} routes guest writes through the ioeventfds as KVM would
 * and counts what the irqfds inject, so a request travels the same path as in a VM: QueueNotify → ioeventfd →
 * device thread → used ring → irqfd.
 */
class VirtioDevicesTest {
    private static final long RING = 0x1000;
    private static final long DATA = 0x8000;
    private static final String TOKEN = "k3Y9-TOKEN-zq7W1";

    @TempDir
    Path dir;

    private final Arena arena = Arena.ofShared();
    private final GuestMemory memory = GuestMemory.of(List.of(new GuestRegion(0, arena.allocate(1 << 20, 4096))));
    private final Bus mmio = new Bus("mmio");
    private final FakeKvm kvm = new FakeKvm();
    private VirtioDevices devices = VirtioDevices.none();

    @AfterEach
    void closeAll() {
        devices.close();
        arena.close();
    }

    private VirtioDevices wire(DeviceRegistry registry, DeviceSpec... specs) {
        devices = VirtioDevices.open(List.of(specs), registry);
        devices.attach(kvm, memory, mmio);
        devices.start();
        return devices;
    }

    private MmioGuest guest(int index) {
        MmioGuest g = new MmioGuest(kvm, mmio, memory, DeviceSlot.of(index).mmioBase(), RING + 0x1000L * index);
        int status = g.start();
        assertEquals(DeviceStatus.DRIVER_OK, status & (DeviceStatus.DRIVER_OK | DeviceStatus.DEVICE_NEEDS_RESET));
        return g;
    }

    private Path image(int sectors) throws Exception {
        byte[] bytes = new byte[512 * sectors];
        System.arraycopy(TOKEN.getBytes(StandardCharsets.US_ASCII), 0, bytes, 0, 16);
        return Files.write(dir.resolve("disk.img"), bytes);
    }

    private static Set<String> deviceThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("jvmm-virtio-")).collect(Collectors.toSet());
    }

    @Test
    void entropyRequestTravelsIoeventfdDeviceThreadAndIrqfd() {
        wire(DeviceRegistry.builtIn(), new EntropySpec());
        MmioGuest g = guest(0);
        int exits = kvm.exitsToUserSpace();
        g.submit(new long[0][], new long[][] {{DATA, 32}});
        g.notifyQueue(0);
        assertEquals(exits, kvm.exitsToUserSpace(), "KVM's ioeventfd caught the notification");
        g.awaitUsed();
        assertEquals(32, g.lastUsedLength());
        assertFalse(Collections.nCopies(32, (byte) 0).equals(box(memory.read(DATA, 32))), "random bytes arrived");
        MmioGuest.await(() -> kvm.injections(5) >= 1, "an interrupt on GSI 5");
        assertEquals(INTERRUPT_USED_BUFFER, g.read(INTERRUPT_STATUS));
        g.write(INTERRUPT_ACK, INTERRUPT_USED_BUFFER);
        assertEquals(0, g.read(INTERRUPT_STATUS));
        assertEquals(Set.of("jvmm-virtio-rng0"), deviceThreads());
    }

    @Test
    void notificationThatReachesTheBusIsProcessedOnTheDeviceThreadToo() {
        wire(DeviceRegistry.builtIn(), new EntropySpec());
        MmioGuest g = guest(0);
        g.submit(new long[0][], new long[][] {{DATA, 16}});
        mmio.write(DeviceSlot.of(0).queueNotifyAddress(), 4, 0); // as if no ioeventfd had matched
        g.awaitUsed();
        assertEquals(16, g.lastUsedLength());
    }

    @Test
    void notificationOfAQueueThatDoesNotExistReachesTheBusAndIsDropped() {
        wire(DeviceRegistry.builtIn(), new EntropySpec());
        MmioGuest g = guest(0);
        g.submit(new long[0][], new long[][] {{DATA, 16}});
        int exits = kvm.exitsToUserSpace();
        g.notifyQueue(7);
        g.notifyQueue(-1);
        assertEquals(exits + 2, kvm.exitsToUserSpace(), "no ioeventfd matches another value");
        assertEquals(0, g.usedIdx());
        g.notifyQueue(0);
        g.awaitUsed();
        assertEquals(0, g.read(STATUS) & DeviceStatus.DEVICE_NEEDS_RESET);
    }

    @Test
    void eachDeviceGetsItsWindowGsiAndOneDatamatchIoeventfdPerQueue() throws Exception {
        Path a = image(8);
        Path b = Files.write(dir.resolve("b.img"), new byte[1024]);
        wire(DeviceRegistry.builtIn(), new DiskSpec(a, false), new DiskSpec(b, true), new EntropySpec());
        assertEquals(List.of(
                new FakeKvm.Registration(kvm.ioeventfds().get(0).fd(), IoEvent.mmio(0xd000_0050L, 4).withDatamatch(0)),
                new FakeKvm.Registration(kvm.ioeventfds().get(1).fd(), IoEvent.mmio(0xd000_1050L, 4).withDatamatch(0)),
                new FakeKvm.Registration(kvm.ioeventfds().get(2).fd(), IoEvent.mmio(0xd000_2050L, 4).withDatamatch(0))),
                kvm.ioeventfds());
        assertEquals(Set.of(5, 6, 7), Set.copyOf(kvm.irqfds().values()));
        assertEquals(List.of("virtio_mmio.device=4K@0xd0000000:5", "virtio_mmio.device=4K@0xd0001000:6",
                "virtio_mmio.device=4K@0xd0002000:7"), devices.kernelParameters());
        assertEquals(Set.of("jvmm-virtio-blk0", "jvmm-virtio-blk1", "jvmm-virtio-rng0"), deviceThreads());
        for (int i = 0; i < 3; i++) {
            assertEquals(0x74726976, (int) mmio.read(0xd000_0000L + 0x1000L * i, 4), "MagicValue of device " + i);
        }
        assertEquals(2, (int) mmio.read(0xd000_0008L, 4));
        assertEquals(2, (int) mmio.read(0xd000_1008L, 4));
        assertEquals(4, (int) mmio.read(0xd000_2008L, 4));
        assertTrue(mmio.isMapped(0xd000_0fffL), "the whole 4 KiB window belongs to the device");
    }

    @Test
    void guestReadsSectorZeroAndTheSerialThroughTheWiring() throws Exception {
        wire(DeviceRegistry.builtIn(), new DiskSpec(image(8), false, Optional.of("jvmm-test-disk")));
        MmioGuest g = guest(0);
        memory.writeU32(DATA, 0); // VIRTIO_BLK_T_IN
        memory.writeU64(DATA + 8, 0);
        g.submit(new long[][] {{DATA, 16}}, new long[][] {{DATA + 0x100, 512}, {DATA + 0x400, 1}});
        g.notifyQueue(0);
        g.awaitUsed();
        assertEquals(0, memory.readU8(DATA + 0x400), "VIRTIO_BLK_S_OK");
        assertEquals(TOKEN, new String(memory.read(DATA + 0x100, 16), StandardCharsets.US_ASCII));

        memory.writeU32(DATA, 8); // VIRTIO_BLK_T_GET_ID
        g.submit(new long[][] {{DATA, 16}}, new long[][] {{DATA + 0x100, 20}, {DATA + 0x400, 1}});
        g.notifyQueue(0);
        g.awaitUsed();
        assertEquals(0, memory.readU8(DATA + 0x400));
        assertEquals("jvmm-test-disk", new String(memory.read(DATA + 0x100, 14), StandardCharsets.US_ASCII));
        MmioGuest.await(() -> kvm.injections(5) >= 1, "an interrupt on GSI 5");
    }

    @Test
    void closeDeassignsEverythingStopsTheDeviceThreadsAndReleasesTheImage() throws Exception {
        Path disk = image(8);
        wire(DeviceRegistry.builtIn(), new DiskSpec(disk, false), new EntropySpec());
        guest(0);
        devices.close();
        assertEquals(List.of(), kvm.ioeventfds());
        assertEquals(Map.of(), kvm.irqfds());
        assertEquals(Set.of(), deviceThreads());
        RawFileBackend.open(disk, false).close(); // the lock is gone
        devices.close(); // closing twice is harmless
    }

    @Test
    void closeAfterAFailedAttachUndoesWhatWasDone() throws Exception {
        Path disk = image(8);
        devices = VirtioDevices.open(List.of(new EntropySpec(), new DiskSpec(disk, false)), DeviceRegistry.builtIn());
        kvm.failIoeventfdNumber = 2; // the disk's
        assertThrows(IllegalStateException.class, () -> devices.attach(kvm, memory, mmio));
        assertEquals(1, kvm.ioeventfds().size());
        devices.close();
        assertEquals(List.of(), kvm.ioeventfds());
        assertEquals(Map.of(), kvm.irqfds());
        assertEquals(Set.of(), deviceThreads());
        RawFileBackend.open(disk, false).close();
    }

    @Test
    void deviceThreadFailureLeavesThatDeviceNeedingResetAndTheOthersRunning() throws Exception {
        DeviceRegistry registry = DeviceRegistry.builtIn()
                .with(EntropySpec.class, spec -> BuiltDevice.withoutResources(new BrokenRng()));
        wire(registry, new EntropySpec(), new DiskSpec(image(8), false));
        MmioGuest broken = guest(0);
        broken.submit(new long[0][], new long[][] {{DATA, 16}});
        broken.notifyQueue(0);
        MmioGuest.await(() -> (broken.read(STATUS) & DeviceStatus.DEVICE_NEEDS_RESET) != 0, "DEVICE_NEEDS_RESET");
        // The device thread sets DEVICE_NEEDS_RESET first and then raises the interrupt: wait for both.
        MmioGuest.await(() -> (broken.read(INTERRUPT_STATUS) & INTERRUPT_CONFIG_CHANGE) != 0, "InterruptStatus bit");
        MmioGuest.await(() -> kvm.injections(5) >= 1, "the configuration change interrupt");

        MmioGuest disk = guest(1);
        memory.writeU32(DATA + 0x800, 0);
        memory.writeU64(DATA + 0x808, 0);
        disk.submit(new long[][] {{DATA + 0x800, 16}}, new long[][] {{DATA + 0x900, 512}, {DATA + 0xc00, 1}});
        disk.notifyQueue(0);
        disk.awaitUsed();
        assertEquals(0, memory.readU8(DATA + 0xc00), "the other device still serves requests");
    }

    @Test
    void kindsThisBuildLacksAreRefusedBeforeAnyImageIsOpened() throws Exception {
        Path disk = image(8);
        VmmException e = assertThrows(VmmException.class, () -> VirtioDevices.open(
                List.of(new DiskSpec(disk, false), new NetSpec("tap0", "52:54:00:12:34:56")),
                DeviceRegistry.empty().with(DiskSpec.class, BuiltInDevices::disk)));
        assertTrue(e.isBadInput());
        assertEquals("--net is not available in this build of jvmm", e.getMessage());
        RawFileBackend.open(disk, false).close();
    }

    @Test
    void lockedImageIsBadInputNamingTheDiskAndNothingStaysOpen() throws Exception {
        Path disk = image(8);
        Path other = Files.write(dir.resolve("other.img"), new byte[512]);
        try (RawFileBackend held = RawFileBackend.open(disk, false)) {
            VmmException e = assertThrows(VmmException.class, () -> VirtioDevices.open(
                    List.of(new DiskSpec(other, false), new DiskSpec(disk, false)), DeviceRegistry.builtIn()));
            assertTrue(e.isBadInput());
            assertTrue(e.getMessage().startsWith("--disk " + disk + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("locked"), e.getMessage());
        }
        RawFileBackend.open(other, false).close(); // the first disk was closed again
    }

    @Test
    void moreDevicesThanGsisAreRefused() {
        List<DeviceSpec> many = new ArrayList<>(Collections.nCopies(18, new EntropySpec()));
        VmmException e = assertThrows(VmmException.class, () -> VirtioDevices.open(many, DeviceRegistry.builtIn()));
        assertTrue(e.getMessage().contains("at most 17"), e.getMessage());
    }

    private static List<Byte> box(byte[] bytes) {
        List<Byte> list = new ArrayList<>();
        for (byte b : bytes) {
            list.add(b);
        }
        return list;
    }

    /** An entropy device whose queue processing hits a VMM bug (an Error, which the transport does not contain). */
    private static final class BrokenRng implements VirtioDevice {
        private final VirtioRng rng = new VirtioRng();

        @Override public int deviceType() { return rng.deviceType(); }

        @Override public long deviceFeatures() { return rng.deviceFeatures(); }

        @Override public int[] queueMaxSizes() { return rng.queueMaxSizes(); }

        @Override public long readConfig(int offset, int size) { return 0; }

        @Override public void writeConfig(int offset, int size, long value) { }

        @Override
        public void activate(GuestMemory memory, SplitQueue[] queues, long ackedFeatures, VirtioInterrupt interrupt) {
        }

        @Override
        public void processQueue(int queueIndex) {
            throw new AssertionError("VMM bug");
        }

        @Override public void reset() { }
    }
}
