package dev.jvmm.core.vm;

import dev.jvmm.core.devices.DeviceSpec;
import dev.jvmm.core.devices.DeviceSpecs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a VM is made from, immutable and validated: the CLI, config files and the Java API all end here.
 *
 * @param kernel       the guest image
 * @param format       how to load it
 * @param loadAddress  guest-physical load address of a flat image
 * @param entry        CPU mode a flat image starts in
 * @param memorySize   guest RAM in bytes
 * @param cpus         number of vCPUs
 * @param initrd       initial ramdisk for Linux, if any
 * @param cmdline      kernel command line for Linux, if given (else jvmm's default)
 * @param irqchip      whether to create the in-kernel irqchip and PIT (Linux, SMP and virtio devices need it)
 * @param serialOutput where the UART's output goes; empty for standard output
 * @param devices      virtio devices, in the order they get MMIO windows and GSIs
 * @param measureAllocation whether each vCPU thread's heap allocation over the run is measured (see
 *                     {@link VirtualMachine#metrics()}); off by default, as it loads the JVM's management classes
 */
public record VmConfig(Path kernel, KernelFormat format, long loadAddress, EntryMode entry, long memorySize, int cpus,
                       Optional<Path> initrd, Optional<String> cmdline, boolean irqchip, Optional<Path> serialOutput,
                       List<DeviceSpec> devices, boolean measureAllocation) {

    /** Smallest guest RAM jvmm accepts: room for the boot structures below 1 MiB and a kernel above. */
    public static final long MIN_MEMORY = 2L << 20;
    /** Largest guest RAM jvmm accepts. */
    public static final long MAX_MEMORY = 1L << 40;
    /** Most vCPUs one VM can have (the MP table's processor entries and APIC ids below the IOAPIC's id). */
    public static final int MAX_CPUS = 254;
    public static final long DEFAULT_MEMORY = 128L << 20;

    public VmConfig {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(initrd, "initrd");
        Objects.requireNonNull(cmdline, "cmdline");
        Objects.requireNonNull(serialOutput, "serialOutput");
        devices = List.copyOf(devices);
    }

    public static Builder builder(Path kernel) {
        return new Builder(kernel);
    }

    /**
     * Checks what can be checked before touching KVM: files readable, sizes possible on this host, options that
     * belong together. Throws {@link VmmException#badInput} naming the input and what to do.
     */
    public VmConfig validate(long hostMemoryBytes) {
        requireReadableFile("--kernel", kernel);
        initrd.ifPresent(p -> requireReadableFile("--initrd", p));
        if (memorySize < MIN_MEMORY) {
            throw VmmException.badInput("--memory " + memorySize + " bytes is too small: give at least "
                    + (MIN_MEMORY >> 20) + "M");
        }
        if (memorySize > MAX_MEMORY || (hostMemoryBytes > 0 && memorySize > hostMemoryBytes)) {
            throw VmmException.badInput("--memory " + (memorySize >> 20) + "M is more than this host has ("
                    + (hostMemoryBytes >> 20) + "M): give less");
        }
        if ((memorySize & 0xFFF) != 0) {
            throw VmmException.badInput("--memory must be a multiple of 4K");
        }
        if (cpus < 1 || cpus > MAX_CPUS) {
            throw VmmException.badInput("--cpus " + cpus + " is out of range: give 1 to " + MAX_CPUS);
        }
        if (cpus > 1 && !irqchip) {
            throw VmmException.badInput("--cpus " + cpus + " needs the in-kernel irqchip (its local APICs wake the"
                    + " other CPUs): add --irqchip");
        }
        if (!devices.isEmpty() && !irqchip) {
            throw VmmException.badInput("--no-irqchip cannot be used with virtio devices (" + devices.getFirst().describe()
                    + "): they interrupt the guest through the in-kernel irqchip");
        }
        DeviceSpecs.validate(devices);
        if (format == KernelFormat.FLAT) {
            if (initrd.isPresent() || cmdline.isPresent()) {
                throw VmmException.badInput("--initrd and --cmdline are for Linux kernels, not --format flat");
            }
            if (loadAddress < 0 || loadAddress >= memorySize) {
                throw VmmException.badInput("--load-address 0x" + Long.toHexString(loadAddress)
                        + " is outside guest memory (" + (memorySize >> 20) + "M)");
            }
            if (entry == EntryMode.REAL && loadAddress > 0xFFFF) {
                throw VmmException.badInput("--load-address 0x" + Long.toHexString(loadAddress)
                        + " cannot be reached in real mode with CS=0: give an address below 0x10000");
            }
        }
        return this;
    }

    private static void requireReadableFile(String option, Path p) {
        if (!Files.exists(p)) {
            throw VmmException.badInput(option + " " + p + ": no such file");
        }
        if (!Files.isRegularFile(p)) {
            throw VmmException.badInput(option + " " + p + ": not a regular file");
        }
        if (!Files.isReadable(p)) {
            throw VmmException.badInput(option + " " + p + ": not readable (check its permissions)");
        }
    }

    /** Builds a {@link VmConfig} with jvmm's defaults for everything not set. */
    public static final class Builder {
        private final Path kernel;
        private KernelFormat format = KernelFormat.AUTO;
        private long loadAddress = -1;
        private EntryMode entry = EntryMode.LONG;
        private long memorySize = DEFAULT_MEMORY;
        private int cpus = 1;
        private Path initrd;
        private String cmdline;
        private Boolean irqchip;
        private Path serialOutput;
        private final List<DeviceSpec> devices = new ArrayList<>();
        private boolean measureAllocation;

        private Builder(Path kernel) {
            this.kernel = Objects.requireNonNull(kernel, "kernel");
        }

        public Builder format(KernelFormat v) { format = v; return this; }
        public Builder loadAddress(long v) { loadAddress = v; return this; }
        public Builder entry(EntryMode v) { entry = v; return this; }
        public Builder memorySize(long v) { memorySize = v; return this; }
        public Builder cpus(int v) { cpus = v; return this; }
        public Builder initrd(Path v) { initrd = v; return this; }
        public Builder cmdline(String v) { cmdline = v; return this; }
        public Builder irqchip(boolean v) { irqchip = v; return this; }
        public Builder serialOutput(Path v) { serialOutput = v; return this; }
        public Builder measureAllocation(boolean v) { measureAllocation = v; return this; }
        /** Adds a virtio device after those added before. */
        public Builder device(DeviceSpec v) { devices.add(Objects.requireNonNull(v, "device")); return this; }

        public VmConfig build() {
            long load = loadAddress >= 0 ? loadAddress : defaultLoadAddress(entry);
            // A flat guest runs without the in-kernel irqchip unless asked, so that KVM reports its HLT; virtio
            // devices need it for their irqfds, so they turn it on (validate() refuses an explicit --no-irqchip).
            boolean chip = irqchip != null ? irqchip : format != KernelFormat.FLAT || !devices.isEmpty();
            return new VmConfig(kernel, format, load, entry, memorySize, cpus, Optional.ofNullable(initrd),
                    Optional.ofNullable(cmdline), chip, Optional.ofNullable(serialOutput), devices,
                    measureAllocation);
        }

        private static long defaultLoadAddress(EntryMode entry) {
            return entry == EntryMode.REAL ? 0x1000 : 0x100000;
        }
    }
}
