package dev.jvmm.core.vm;

import static dev.jvmm.bindings.kvm.kvm_h.KVM_CAP_TSC_DEADLINE_TIMER;

import dev.jvmm.core.boot.BootEntry;
import dev.jvmm.core.boot.CommandLine;
import dev.jvmm.core.boot.CommandLineTooLongException;
import dev.jvmm.core.devices.DeviceRegistry;
import dev.jvmm.core.devices.DeviceSlot;
import dev.jvmm.core.devices.VirtioDevices;
import dev.jvmm.core.boot.Initrd;
import dev.jvmm.core.boot.KernelLoadResult;
import dev.jvmm.core.boot.KernelLoader;
import dev.jvmm.core.boot.LinuxBootConfigurator;
import dev.jvmm.core.boot.PvhBootConfigurator;
import dev.jvmm.core.kvm.Kvm;
import dev.jvmm.core.kvm.Vcpu;
import dev.jvmm.core.kvm.Vm;
import dev.jvmm.core.x86.BootMsrs;
import dev.jvmm.core.x86.ControlRegisters;
import dev.jvmm.core.x86.CpuidEntry;
import dev.jvmm.core.x86.CpuidPolicy;
import dev.jvmm.core.x86.DescriptorTables;
import dev.jvmm.core.x86.Gdt;
import dev.jvmm.core.x86.Layout;
import dev.jvmm.core.x86.MpTable;
import dev.jvmm.core.x86.PageTables;
import dev.jvmm.core.x86.acpi.AcpiTables;
import dev.jvmm.core.x86.acpi.MmioDeviceDescription;
import dev.jvmm.devices.acpi.AcpiSleepControl;
import dev.jvmm.devices.bus.Bus;
import dev.jvmm.devices.i8042.I8042;
import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.irq.InterruptLine;
import dev.jvmm.devices.rtc.Cmos;
import dev.jvmm.devices.serial.SerialInput;
import dev.jvmm.devices.serial.Uart16550;
import dev.jvmm.sys.Libc;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One VM built from a {@link VmConfig}: KVM VM and vCPUs, guest RAM, the loaded guest, legacy devices on the port
 * bus, virtio devices on the MMIO bus (each with its device thread, ioeventfds and irqfd), and one platform thread
 * per vCPU. {@link #run()} starts it and returns how it ended; {@link #close()} releases everything in reverse
 * order: device threads stop before the VM is closed.
 */
public final class VirtualMachine implements AutoCloseable {
    // slf4j initialises its binding when the first logger is made: a holder makes it happen on the first log call,
    // not when this class is, so a boot that logs nothing never pays for it (issue #5).
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(VirtualMachine.class);
    }
    /** Linux's defaults for a serial console microVM; reboot=k makes a reboot reach the i8042 we emulate. */
    public static final String DEFAULT_CMDLINE = "console=ttyS0 reboot=k panic=1";
    static final int COM1_IRQ = 4;
    static final int KEYBOARD_IRQ = 1;

    private final VmConfig config;
    private final Kvm kvm;
    private final Vm vm;
    private final GuestRam ram;
    private final List<Vcpu> vcpus = new ArrayList<>();
    private final List<VcpuThread> threads = new ArrayList<>();
    private final VmLifecycle lifecycle = new VmLifecycle();
    private final Bus pio = new Bus("pio");
    private final Bus mmio = new Bus("mmio");
    private final OutputStream serialOut;
    private final VirtioDevices devices;
    private final Consumer<Vcpu> bootEntry;
    private Uart16550 uart;

    private VirtualMachine(VmConfig config, VirtioDevices devices) {
        this.config = config;
        this.devices = devices;
        if (!devices.isEmpty() && !config.irqchip()) {
            throw VmmException.badInput("virtio devices need the in-kernel irqchip: leave out --no-irqchip");
        }
        // The guest is loaded into RAM before KVM is opened: a kernel, initrd or command line that cannot be booted
        // is the user's input and is reported as such on any host, even one without /dev/kvm.
        GuestRam r = new GuestRam(config.memorySize());
        Kvm k = null;
        Vm v = null;
        OutputStream out = null;
        try {
            this.bootEntry = loadGuest(r.memory());
            out = openSerialOutput(config);
            k = Kvm.open();
            v = k.createVm();
            v.setTssAddr(Layout.KVM_TSS_ADDRESS);
            v.setIdentityMapAddr(Layout.KVM_IDENTITY_MAP_ADDRESS);
            if (config.irqchip()) {
                v.createIrqchip();
                v.createPit2();
            }
            r.register(v);
        } catch (RuntimeException e) {
            if (v != null) {
                v.close();
            }
            if (k != null) {
                k.close();
            }
            if (config.serialOutput().isPresent()) {
                closeQuietly(out); // never standard output: it is the process's, not the VM's
            }
            r.close();
            throw e;
        }
        this.kvm = k;
        this.vm = v;
        this.ram = r;
        this.serialOut = out;
    }

    private static void closeQuietly(OutputStream out) {
        if (out == null) {
            return;
        }
        try {
            out.close();
        } catch (IOException e) {
            Log.LOG.debug("closing serial output", e);
        }
    }

    /** Creates the VM, loads the guest and wires devices; nothing runs until {@link #run()}. */
    public static VirtualMachine create(VmConfig config) {
        return create(config, DeviceRegistry.builtIn());
    }

    /**
     * As {@link #create(VmConfig)}, with the device kinds of {@code registry}. Device backends are opened first, so
     * that a missing or locked image is reported before KVM is touched.
     */
    public static VirtualMachine create(VmConfig config, DeviceRegistry registry) {
        VirtioDevices devices = VirtioDevices.open(config.devices(), registry);
        VirtualMachine machine;
        try {
            machine = new VirtualMachine(config, devices);
        } catch (RuntimeException e) {
            devices.close();
            throw e;
        }
        try {
            machine.setUp();
            return machine;
        } catch (RuntimeException e) {
            machine.close();
            throw e;
        }
    }

    private static OutputStream openSerialOutput(VmConfig config) {
        if (config.serialOutput().isEmpty()) {
            return new FileOutputStream(java.io.FileDescriptor.out);
        }
        try {
            return new BufferedOutputStream(Files.newOutputStream(config.serialOutput().get()));
        } catch (IOException e) {
            throw VmmException.badInput("--serial-output " + config.serialOutput().get() + ": " + e.getMessage());
        }
    }

    private void setUp() {
        InterruptLine com1 = config.irqchip() ? level -> vm.irqLine(COM1_IRQ, level) : InterruptLine.NONE;
        InterruptLine kbd = config.irqchip() ? level -> vm.irqLine(KEYBOARD_IRQ, level) : InterruptLine.NONE;
        uart = new Uart16550(serialOut, com1);
        pio.register(0x3f8, Uart16550.REGISTER_COUNT, uart);
        I8042 i8042 = new I8042(kbd, () -> lifecycle.stop(StopReason.RESET));
        pio.register(I8042.DATA_PORT, 1, i8042.dataPort());
        pio.register(I8042.COMMAND_PORT, 1, i8042.commandPort());
        Cmos cmos = new Cmos(Clock.systemUTC());
        long low = Layout.lowRamEnd(config.memorySize());
        cmos.setMemorySizes(low, config.memorySize() - low);
        pio.register(Cmos.INDEX_PORT, Cmos.RANGE_LENGTH, cmos);

        List<CpuidEntry> supported = kvm.supportedCpuid();
        CpuidPolicy cpuid = new CpuidPolicy(config.cpus(), Set.of(),
                kvm.checkExtension(KVM_CAP_TSC_DEADLINE_TIMER()) > 0);
        int[] msrIndexList = kvm.msrIndexList();
        for (int id = 0; id < config.cpus(); id++) {
            Vcpu vcpu = vm.createVcpu(id);
            vcpus.add(vcpu);
            List<CpuidEntry> leaves = cpuid.forVcpu(supported, id);
            vcpu.setCpuid2(leaves);
            // After KVM_SET_CPUID2: KVM checks some MSR writes against the guest's CPUID.
            BootMsrs msrs = BootMsrs.select(msrIndexList, leaves);
            vcpu.setMsrs(msrs.indices(), msrs.values());
            vcpu.setFpuResetState();
            if (config.irqchip()) {
                // LINT0 ExtINT (the 8259 behind it), LINT1 NMI: what firmware leaves for Linux (SDM Vol. 3A §11.5.1).
                vcpu.editLapic(regs -> {
                    regs.set(ValueLayout.JAVA_INT_UNALIGNED, 0x350, 0x700);
                    regs.set(ValueLayout.JAVA_INT_UNALIGNED, 0x360, 0x400);
                });
            }
        }
        if (config.irqchip()) {
            // Both descriptions of the CPUs and interrupt wiring: kernels built without CONFIG_X86_MPPARSE (Debian's
            // cloud kernels) read only ACPI; small guests of ours read the MP table.
            MpTable.write(ram.memory(), config.cpus());
            // The DSDT lists the virtio-mmio devices too: kernels without CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES (Debian's)
            // find them only there.
            AcpiTables.write(ram.memory(), config.cpus(), devices.slots().stream()
                    .map(s -> new MmioDeviceDescription(s.mmioBase(), DeviceSlot.WINDOW_SIZE, s.gsi())).toList());
            pio.register(AcpiTables.SLEEP_CONTROL_PORT, AcpiSleepControl.REGISTER_COUNT, new AcpiSleepControl(
                    AcpiTables.S5_SLEEP_TYPE, () -> lifecycle.stop(StopReason.POWER_OFF)));
        }
        devices.attach(vm, ram.memory(), mmio);
        bootEntry.accept(vcpus.getFirst());
        int kick = Libc.sigrtmin() + 2;
        ExitDiagnosis diagnosis = new ExitDiagnosis();
        ThreadAllocation allocation = config.measureAllocation() ? ThreadAllocation.ofThreadMxBean()
                : ThreadAllocation.NONE;
        for (Vcpu vcpu : vcpus) {
            threads.add(new VcpuThread(vcpu, pio, mmio, lifecycle, diagnosis, kick, allocation));
        }
    }

    /** Loads the guest into {@code memory}; returns what the boot vCPU's registers need once it exists. */
    private Consumer<Vcpu> loadGuest(GuestMemory memory) {
        if (config.format() == KernelFormat.FLAT) {
            return loadFlat(memory);
        }
        KernelLoadResult kernel = KernelLoader.load(memory, config.kernel());
        List<String> added = devices.kernelParameters();
        CommandLine cmdline = GuestCommandLine.of(config.cmdline(), added);
        byte[] initrd = config.initrd().map(Initrd::read).orElse(null);
        BootEntry entry;
        try {
            entry = kernel.hasPvhEntry() && config.format() != KernelFormat.BZIMAGE
                    ? PvhBootConfigurator.configure(memory, kernel, cmdline, initrd, config.memorySize())
                    : LinuxBootConfigurator.configure(memory, kernel, cmdline, initrd, config.memorySize());
        } catch (CommandLineTooLongException e) {
            throw GuestCommandLine.tooLong(e, added);
        }
        Log.LOG.info("{}: {} entry at 0x{}", config.kernel(), entry.mode(), Long.toHexString(entry.rip()));
        return boot -> VcpuSetup.enter(boot, entry.tables(), entry.controlRegisters(), entry.rip(), entry.rsp(),
                entry.rsi(), entry.rbx());
    }

    private Consumer<Vcpu> loadFlat(GuestMemory memory) {
        byte[] image;
        try {
            image = Files.readAllBytes(config.kernel());
        } catch (IOException e) {
            throw VmmException.badInput("--kernel " + config.kernel() + ": " + e.getMessage());
        }
        if (!memory.contains(config.loadAddress(), image.length)) {
            throw VmmException.badInput("--kernel " + config.kernel() + " (" + image.length + " bytes) does not fit in"
                    + " guest memory at --load-address 0x" + Long.toHexString(config.loadAddress()));
        }
        memory.write(config.loadAddress(), image);
        long address = config.loadAddress();
        if (config.entry() == EntryMode.REAL) {
            return boot -> VcpuSetup.enterRealMode(boot, Gdt.realModeCode(), Gdt.realModeData(), address);
        }
        ControlRegisters cr = PageTables.writeIdentityMap(memory);
        DescriptorTables tables = Gdt.writeLongMode(memory);
        return boot -> VcpuSetup.enter(boot, tables, cr, address, Layout.BOOT_STACK_POINTER, 0, 0);
    }

    /** Runs the VM until it stops and returns how it ended. */
    public VmExit run() throws InterruptedException {
        devices.start();
        lifecycle.start(() -> threads.forEach(VcpuThread::kick));
        threads.forEach(VcpuThread::start);
        VmExit exit = lifecycle.awaitStop(0);
        for (VcpuThread t : threads) {
            t.join(1000);
        }
        uart.flush();
        return exit;
    }

    /**
     * What the VM did: exits per vCPU by reason, when each first entered KVM_RUN, how long it ran and, with
     * {@link VmConfig#measureAllocation()}, what its thread allocated. Complete once {@link #run()} has returned.
     */
    public VmMetrics metrics() {
        return new VmMetrics(threads.stream().map(VcpuThread::metrics).toList(), pio.unhandledAccesses(),
                mmio.unhandledAccesses());
    }

    /** Asks the VM to stop from the host side; {@link #run()} then returns. */
    public void stop() {
        lifecycle.stop(StopReason.STOPPED_BY_HOST);
    }

    /** Asks the VM to stop, naming why (e.g. {@link StopReason#STOPPED_BY_USER}); the first request wins. */
    public void stop(StopReason reason) {
        lifecycle.stop(java.util.Objects.requireNonNull(reason, "reason"));
    }

    /** The guest's serial console input (COM1's receiver), for the console to feed. */
    public SerialInput serialInput() {
        return uart;
    }

    @Override
    public void close() {
        devices.close();
        for (Vcpu v : vcpus) {
            v.close();
        }
        vm.close();
        ram.close();
        kvm.close();
        try {
            serialOut.flush();
        } catch (IOException e) {
            Log.LOG.debug("flushing serial output", e);
        }
    }
}
