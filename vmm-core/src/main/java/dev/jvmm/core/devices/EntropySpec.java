package dev.jvmm.core.devices;

/** The virtio entropy device (virtio 1.2 §5.4), fed by the host kernel's CSPRNG (getrandom(2)): {@code --entropy}. */
public record EntropySpec() implements DeviceSpec {
    @Override
    public String option() { return "--entropy"; }

    @Override
    public String kind() { return "rng"; }

    @Override
    public String describe() { return "--entropy"; }
}
