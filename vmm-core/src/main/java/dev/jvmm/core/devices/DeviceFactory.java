package dev.jvmm.core.devices;

import java.io.IOException;

/**
 * Makes the device model for one kind of {@link DeviceSpec}, opening its backend. Registered per kind in a
 * {@link DeviceRegistry}.
 *
 * @param <S> the kind of spec it takes
 */
@FunctionalInterface
public interface DeviceFactory<S extends DeviceSpec> {
    /**
     * @throws IOException if the backend cannot be opened (the VMM reports it as bad input naming the option)
     */
    BuiltDevice create(S spec) throws IOException;
}
