package dev.jvmm.core.devices;

import dev.jvmm.core.kvm.EventFdRouting;
import dev.jvmm.core.vm.VmmException;
import dev.jvmm.devices.bus.Bus;
import dev.jvmm.devices.memory.GuestMemory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The virtio devices of one VM, in configuration order: device {@code i} gets {@link DeviceSlot#of DeviceSlot.of(i)}.
 * The VMM calls, in this order: {@link #open} (backends opened, before KVM is touched, so that bad input is
 * reported first), {@link #attach} (once the VM, its irqchip and guest RAM exist), {@link #kernelParameters} (for a
 * Linux guest's command line), {@link #start} (before the vCPUs run), and {@link #close} (before the VM is closed).
 */
public final class VirtioDevices implements AutoCloseable {
    private final List<VirtioMmioDevice> devices;
    /** What the user wrote for each device ({@code --vsock cid=3,socket=v.sock}), for errors when it starts. */
    private final List<String> options;

    private VirtioDevices(List<VirtioMmioDevice> devices, List<String> options) {
        this.devices = List.copyOf(devices);
        this.options = List.copyOf(options);
    }

    /** No devices. */
    public static VirtioDevices none() {
        return new VirtioDevices(List.of(), List.of());
    }

    /**
     * Makes the model of every spec with {@code registry}, opening their backends.
     *
     * @throws VmmException bad input naming the option when a kind is not available in this build, there are more
     *         devices than GSIs, or a backend cannot be opened; whatever was opened is closed again
     */
    public static VirtioDevices open(List<DeviceSpec> specs, DeviceRegistry registry) {
        registry.requireSupported(specs);
        DeviceSpecs.checkCount(specs.size());
        List<VirtioMmioDevice> opened = new ArrayList<>();
        Map<String, Integer> perKind = new HashMap<>();
        try {
            for (int i = 0; i < specs.size(); i++) {
                DeviceSpec spec = specs.get(i);
                int n = perKind.merge(spec.kind(), 1, Integer::sum) - 1;
                BuiltDevice built = registry.create(spec);
                opened.add(new VirtioMmioDevice(DeviceSlot.of(i), "virtio-" + spec.kind() + n, built));
            }
        } catch (RuntimeException e) {
            closeAll(opened);
            throw e;
        }
        return new VirtioDevices(opened, specs.stream().map(DeviceSpec::describe).toList());
    }

    public boolean isEmpty() { return devices.isEmpty(); }

    public int size() { return devices.size(); }

    /** The slots in device order. */
    public List<DeviceSlot> slots() {
        return devices.stream().map(VirtioMmioDevice::slot).toList();
    }

    /** One {@code virtio_mmio.device=} parameter per device, for a Linux guest's command line. */
    public List<String> kernelParameters() {
        return devices.stream().map(d -> d.slot().kernelParameter()).toList();
    }

    /** Wires every device into the VM: windows on {@code mmio}, ioeventfds and irqfds through {@code routing}. */
    public void attach(EventFdRouting routing, GuestMemory memory, Bus mmio) {
        for (VirtioMmioDevice d : devices) {
            d.attach(routing, memory, mmio);
        }
    }

    /**
     * Starts every device thread and backend.
     *
     * @throws VmmException bad input naming the option when a backend cannot start (e.g. a vsock socket path that
     *         is not a socket or has a listener already)
     */
    public void start() {
        for (int i = 0; i < devices.size(); i++) {
            try {
                devices.get(i).start();
            } catch (IllegalStateException | IllegalArgumentException e) {
                throw VmmException.badInput(options.get(i) + ": " + e.getMessage());
            }
        }
    }

    /** Device {@code index} as wired, for diagnostics and tests in this package. */
    VirtioMmioDevice device(int index) {
        return devices.get(index);
    }

    /** Stops and releases every device, the last first; safe after a partial {@link #attach} or none. */
    @Override
    public void close() {
        closeAll(devices);
    }

    private static void closeAll(List<VirtioMmioDevice> list) {
        for (int i = list.size() - 1; i >= 0; i--) {
            list.get(i).close();
        }
    }
}
