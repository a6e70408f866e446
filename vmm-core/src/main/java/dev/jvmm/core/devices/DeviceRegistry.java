package dev.jvmm.core.devices;

import dev.jvmm.core.vm.VmmException;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which kinds of {@link DeviceSpec} this build of jvmm can make, and the {@link DeviceFactory} of each. A kind
 * without a factory is refused with one clear line before anything is created, never skipped.
 */
public final class DeviceRegistry {
    private final Map<Class<? extends DeviceSpec>, DeviceFactory<?>> factories;

    private DeviceRegistry(Map<Class<? extends DeviceSpec>, DeviceFactory<?>> factories) {
        this.factories = Map.copyOf(factories);
    }

    /** No device kinds at all. */
    public static DeviceRegistry empty() {
        return new DeviceRegistry(Map.of());
    }

    /** The device kinds this build provides: block, network, entropy and vsock. */
    public static DeviceRegistry builtIn() {
        return empty()
                .with(DiskSpec.class, BuiltInDevices::disk)
                .with(NetSpec.class, BuiltInDevices::net)
                .with(EntropySpec.class, BuiltInDevices::entropy)
                .with(VsockSpec.class, BuiltInDevices::vsock);
    }

    /** This registry plus (or with a replaced) factory for {@code kind}. */
    public <S extends DeviceSpec> DeviceRegistry with(Class<S> kind, DeviceFactory<? super S> factory) {
        Map<Class<? extends DeviceSpec>, DeviceFactory<?>> next = new HashMap<>(factories);
        next.put(Objects.requireNonNull(kind, "kind"), Objects.requireNonNull(factory, "factory"));
        return new DeviceRegistry(next);
    }

    public boolean supports(DeviceSpec spec) {
        return factories.containsKey(spec.getClass());
    }

    /** Refuses the first spec this build cannot make, as bad input naming its option. */
    public void requireSupported(List<DeviceSpec> specs) {
        for (DeviceSpec spec : specs) {
            if (!supports(spec)) {
                throw VmmException.badInput(spec.option() + " is not available in this build of jvmm");
            }
        }
    }

    /**
     * Makes the model for {@code spec}.
     *
     * @throws VmmException bad input naming the option when the kind is not available or its backend cannot be
     *         opened (missing or locked image, ...)
     */
    public BuiltDevice create(DeviceSpec spec) {
        requireSupported(List.of(spec));
        try {
            return createWith(factories.get(spec.getClass()), spec);
        } catch (IOException e) {
            throw VmmException.badInput(spec.describe() + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw VmmException.badInput(spec.describe() + ": " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked") // the map holds, for each spec class, a factory of that class or a supertype
    private static <S extends DeviceSpec> BuiltDevice createWith(DeviceFactory<?> factory, S spec) throws IOException {
        return ((DeviceFactory<? super S>) factory).create(spec);
    }
}
