package dev.jvmm.cli;

import static dev.jvmm.cli.OptionBinding.option;

import dev.jvmm.core.devices.EntropySpec;
import dev.jvmm.core.host.HostMemory;
import dev.jvmm.core.vm.EntryMode;
import dev.jvmm.core.vm.KernelFormat;
import dev.jvmm.core.vm.StopReason;
import dev.jvmm.core.vm.VirtualMachine;
import dev.jvmm.core.vm.VmConfig;
import dev.jvmm.core.vm.VmExit;
import dev.jvmm.core.vm.VmMetrics;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jvmm boot}: builds a VM from the options, runs it to the end and maps how it ended to the exit status. */
final class BootCommand implements Callable<Integer> {
    Path kernel;
    KernelFormat format;
    String loadAddress;
    EntryMode entry;
    String memory;
    int cpus;
    Path initrd;
    String cmdline;
    Boolean irqchip;
    Path serialOutput;
    List<String> disks;
    List<String> nets;
    boolean entropy;
    String vsock;
    Console.Input serialInput;
    Path metricsFile;

    /** The picocli model of {@code jvmm boot}, bound to the fields above; its help lists the options in this order. */
    CommandSpec spec() {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(this).name("boot");
        spec.usageMessage().sortOptions(false)
                .description("Boot a guest and run it until it powers off, resets, halts or crashes.",
                    "The guest's serial console (16550A UART at 0x3f8) goes to standard output, and standard input goes"
                        + " to it. When standard input is a terminal it is put in raw mode (keys such as Ctrl-C go to the"
                        + " guest) and restored when jvmm exits; Ctrl-A is then an escape key:",
                    "  Ctrl-A x       stop the VM and exit jvmm (exit status 0)",
                    "  Ctrl-A Ctrl-A  send Ctrl-A to the guest",
                    "  Ctrl-A h       list these keys",
                    "Input that is not a terminal is passed on unchanged; at its end jvmm stops reading and the guest"
                        + " runs on.")
                .footerHeading("%nExamples:%n")
                .footer("  jvmm boot --kernel bzImage --initrd initramfs.cpio --cmdline \"console=ttyS0\"",
                    "  jvmm boot --kernel guest.bin --format flat --entry long --load-address 0x100000",
                    "  jvmm boot --kernel vmlinux --disk root.img --disk data.img,ro,id=data --entropy",
                    "  echo 'poweroff -f' | jvmm boot --kernel bzImage --initrd initramfs.cpio",
                    "",
                    "Virtio devices sit at 0xd0000000 + i * 0x1000 (virtio-mmio) with GSIs from 5,",
                    "in this order: disks, network devices, entropy, vsock. A Linux guest finds",
                    "them in the ACPI DSDT (LNRO0005) and through the virtio_mmio.device= parameters",
                    "jvmm appends to its command line (CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES). They",
                    "need the in-kernel irqchip, which they turn on.");
        spec.addOption(option(() -> kernel, v -> kernel = (Path) v, "--kernel").required(true).paramLabel("FILE")
                .type(Path.class)
                .description("Guest image: a Linux bzImage or ELF vmlinux, or a flat binary with --format flat.")
                .build());
        spec.addOption(option(() -> format, v -> format = (KernelFormat) v, "--format").paramLabel("FORMAT")
                .defaultValue("auto").type(KernelFormat.class)
                .description("Image format: auto, bzimage, elf, flat (default: ${DEFAULT-VALUE}).").build());
        spec.addOption(option(() -> loadAddress, v -> loadAddress = (String) v, "--load-address").paramLabel("ADDR")
                .type(String.class)
                .description("Guest-physical address a flat image is loaded at and entered"
                    + " (default: 0x1000 with --entry real, 0x100000 with --entry long).").build());
        spec.addOption(option(() -> entry, v -> entry = (EntryMode) v, "--entry").paramLabel("MODE")
                .defaultValue("long").type(EntryMode.class)
                .description("CPU mode a flat image starts in: real (CS=0, IP=ADDR) or long (64-bit, identity-mapped"
                    + " first 4 GiB, stack set up) (default: ${DEFAULT-VALUE}).").build());
        spec.addOption(option(() -> memory, v -> memory = (String) v, "-m", "--memory").paramLabel("SIZE")
                .defaultValue("128M").type(String.class)
                .description("Guest RAM, with a K, M or G suffix (default: ${DEFAULT-VALUE}).").build());
        spec.addOption(option(() -> cpus, v -> cpus = (Integer) v, "-c", "--cpus").paramLabel("N")
                .defaultValue("1").type(int.class)
                .description("Number of vCPUs (default: ${DEFAULT-VALUE}).").build());
        spec.addOption(option(() -> initrd, v -> initrd = (Path) v, "--initrd").paramLabel("FILE").type(Path.class)
                .description("Initial ramdisk for a Linux kernel.").build());
        spec.addOption(option(() -> cmdline, v -> cmdline = (String) v, "--cmdline").paramLabel("TEXT")
                .type(String.class).description("Linux kernel command line.").build());
        spec.addOption(option(() -> irqchip, v -> irqchip = (Boolean) v, "--irqchip").negatable(true)
                .type(Boolean.class)
                .description("Create the in-kernel irqchip and PIT (default: on for Linux and with virtio devices, off"
                    + " for flat images so that KVM reports their HLT; SMP and virtio devices need it).").build());
        spec.addOption(option(() -> serialOutput, v -> serialOutput = (Path) v, "--serial-output").paramLabel("FILE")
                .type(Path.class)
                .description("Write the guest's serial console to FILE instead of standard output.").build());
        spec.addOption(option(() -> disks, v -> disks = strings(v), "--disk").paramLabel("PATH[,ro][,id=SERIAL]")
                .type(List.class).auxiliaryTypes(String.class)
                .description("Add a virtio block device over the raw image PATH (a whole number of 512-byte sectors,"
                    + " locked while the VM runs); ro: read-only; id: the serial the guest reads (up to 20"
                    + " characters). Repeatable.").build());
        spec.addOption(option(() -> nets, v -> nets = strings(v), "--net").paramLabel("tap=IFNAME[,mac=MAC]")
                .type(List.class).auxiliaryTypes(String.class)
                .description("Add a virtio network device on the host TAP interface IFNAME (default MAC"
                    + " derived from IFNAME and the device's position, the same on every boot). Repeatable.").build());
        spec.addOption(option(() -> entropy, v -> entropy = (Boolean) v, "--entropy").type(boolean.class)
                .description("Add a virtio entropy device fed by the host kernel's random number generator.").build());
        spec.addOption(option(() -> vsock, v -> vsock = (String) v, "--vsock").paramLabel("cid=N,socket=PATH")
                .type(String.class)
                .description("Add a virtio socket device: the guest's CID N (3 or more) and the host Unix socket PATH.")
                .build());
        spec.addOption(option(() -> serialInput, v -> serialInput = (Console.Input) v, "--serial-input")
                .paramLabel("SOURCE").defaultValue("stdin").type(Console.Input.class)
                .description("Where the guest's serial input comes from: stdin, or none to leave standard input"
                    + " alone (daemons, tests) (default: ${DEFAULT-VALUE}).").build());
        spec.addOption(option(() -> metricsFile, v -> metricsFile = (Path) v, "--metrics-file").paramLabel("FILE")
                .type(Path.class)
                .description("When the VM stops, write its metrics to FILE as JSON: how it ended, the time from process"
                    + " start to the first KVM_RUN, and per vCPU the exits by reason, the time in its loop and the heap"
                    + " bytes its thread allocated.").build());
        spec.addOption(OptionBinding.help());
        spec.addOption(OptionBinding.version());
        return spec;
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object list) {
        return (List<String>) list;
    }

    @Override
    public Integer call() throws Exception {
        MetricsFile metrics = metricsFile != null ? MetricsFile.at(metricsFile) : null;
        VmConfig.Builder b = VmConfig.builder(kernel)
                .format(format)
                .entry(entry)
                .memorySize(ByteSize.parse("--memory", memory))
                .cpus(cpus)
                .initrd(initrd)
                .cmdline(cmdline)
                .serialOutput(serialOutput)
                .measureAllocation(metrics != null);
        if (loadAddress != null) {
            b.loadAddress(parseAddress("--load-address", loadAddress));
        }
        if (irqchip != null) {
            b.irqchip(irqchip);
        }
        addDevices(b);
        VmConfig config = b.build().validate(HostMemory.totalBytes());
        VmExit exit;
        VmMetrics measured;
        try (VirtualMachine vm = VirtualMachine.create(config);
             Console console = serialInput == Console.Input.STDIN
                     ? Console.attachStdin(vm.serialInput(), () -> vm.stop(StopReason.STOPPED_BY_USER)) : null) {
            exit = vm.run();
            measured = vm.metrics();
        } // the console closes first: the terminal is cooked again before anything below is printed
        if (metrics != null) {
            metrics.write(exit, measured, config.memorySize(), MetricsFile.processStart());
        }
        return report(exit);
    }

    /** Devices in a fixed order, whatever the order of the options: disks, network devices, entropy, vsock. */
    private void addDevices(VmConfig.Builder b) {
        for (String d : disks != null ? disks : List.<String>of()) {
            b.device(DeviceOptions.disk(d));
        }
        List<String> n = nets != null ? nets : List.of();
        for (int i = 0; i < n.size(); i++) {
            b.device(DeviceOptions.net(n.get(i), i));
        }
        if (entropy) {
            b.device(new EntropySpec());
        }
        if (vsock != null) {
            b.device(DeviceOptions.vsock(vsock));
        }
    }

    private static int report(VmExit exit) {
        StopReason reason = exit.reason();
        switch (reason.outcome()) {
            case NORMAL -> {
                if (reason == StopReason.STOPPED_BY_USER) {
                    System.err.println(System.lineSeparator() + "jvmm: " + exit.describe());
                }
                return ExitStatus.OK.code();
            }
            case GUEST_CRASH -> {
                System.err.println("jvmm: " + exit.describe());
                return ExitStatus.GUEST_CRASH.code();
            }
            default -> {
                System.err.println("jvmm: " + exit.describe());
                return ExitStatus.VMM_ERROR.code();
            }
        }
    }

    static long parseAddress(String option, String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT).replace("_", "");
        try {
            long v = t.startsWith("0x") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException(option + " '" + text + "' is not an address: write it in hex (0x100000)"
                    + " or decimal");
        }
    }
}
