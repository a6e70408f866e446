import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Emits jextract-shaped FFM bindings (see /work/shared/BINDINGS.md) for the structs and constants declared in
 * {@link #PACKAGES}. The declarations are C text copied from the headers; every number in the output (sizes,
 * offsets, array lengths, constant values) is printed by a C program compiled with gcc against the real headers.
 *
 * <p>Run through {@code bin/regenerate-bindings}: {@code java BindingsGenerator.java <source root>}.
 */
public final class BindingsGenerator {

    /** One generated package: the headers it reads, its structs (C declarations) and its constants. */
    record PackageSpec(String javaPackage, String headerClass, List<String> includes, List<String> structs,
                       List<String> constants, List<Discover> discovered) {}

    /** Constants found by name: object-like macros of {@code header} (alone) whose names match {@code regex}. */
    record Discover(String header, String regex) {}

    static final String KVM_STRUCTS = """
        struct kvm_userspace_memory_region { __u32 slot; __u32 flags; __u64 guest_phys_addr; __u64 memory_size;
            __u64 userspace_addr; };
        struct kvm_debug_exit_arch { __u32 exception; __u32 pad; __u64 pc; __u64 dr6; __u64 dr7; };
        struct kvm_run {
            __u8 request_interrupt_window; __u8 immediate_exit; __u8 padding1[6];
            __u32 exit_reason; __u8 ready_for_interrupt_injection; __u8 if_flag; __u16 flags;
            __u64 cr8; __u64 apic_base;
            union {
                struct { __u64 hardware_exit_reason; } hw;
                struct { __u64 hardware_entry_failure_reason; __u32 cpu; } fail_entry;
                struct { __u32 exception; __u32 error_code; } ex;
                struct { __u8 direction; __u8 size; __u16 port; __u32 count; __u64 data_offset; } io;
                struct { struct kvm_debug_exit_arch arch; } debug;
                struct { __u64 phys_addr; __u8 data[8]; __u32 len; __u8 is_write; } mmio;
                struct { __u64 nr; __u64 args[6]; __u64 ret; __u32 longmode; __u32 pad; } hypercall;
                struct { __u64 rip; __u32 is_write; __u32 pad; } tpr_access;
                struct { __u32 suberror; __u32 ndata; __u64 data[16]; } internal;
                struct { __u32 suberror; __u32 ndata; __u64 flags;
                         union { struct { __u8 insn_size; __u8 insn_bytes[15]; }; }; } emulation_failure;
                struct { __u32 type; __u32 ndata; union { __u64 flags; __u64 data[16]; }; } system_event;
                struct { __u8 vector; } eoi;
                char padding[256];
            };
            __u64 kvm_valid_regs; __u64 kvm_dirty_regs;
            union { char padding[SYNC_REGS_SIZE_BYTES]; } s;
        };
        struct kvm_regs { __u64 rax, rbx, rcx, rdx; __u64 rsi, rdi, rsp, rbp; __u64 r8, r9, r10, r11;
            __u64 r12, r13, r14, r15; __u64 rip, rflags; };
        struct kvm_segment { __u64 base; __u32 limit; __u16 selector; __u8 type;
            __u8 present, dpl, db, s, l, g, avl; __u8 unusable; __u8 padding; };
        struct kvm_dtable { __u64 base; __u16 limit; __u16 padding[3]; };
        struct kvm_sregs { struct kvm_segment cs, ds, es, fs, gs, ss; struct kvm_segment tr, ldt;
            struct kvm_dtable gdt, idt; __u64 cr0, cr2, cr3, cr4, cr8; __u64 efer; __u64 apic_base;
            __u64 interrupt_bitmap[(KVM_NR_INTERRUPTS + 63) / 64]; };
        struct kvm_fpu { __u8 fpr[8][16]; __u16 fcw; __u16 fsw; __u8 ftwx; __u8 pad1; __u16 last_opcode;
            __u64 last_ip; __u64 last_dp; __u8 xmm[16][16]; __u32 mxcsr; __u32 pad2; };
        struct kvm_msr_entry { __u32 index; __u32 reserved; __u64 data; };
        struct kvm_msrs { __u32 nmsrs; __u32 pad; struct kvm_msr_entry entries[]; };
        struct kvm_msr_list { __u32 nmsrs; __u32 indices[]; };
        struct kvm_cpuid_entry2 { __u32 function; __u32 index; __u32 flags; __u32 eax; __u32 ebx; __u32 ecx;
            __u32 edx; __u32 padding[3]; };
        struct kvm_cpuid2 { __u32 nent; __u32 padding; struct kvm_cpuid_entry2 entries[]; };
        struct kvm_lapic_state { char regs[KVM_APIC_REG_SIZE]; };
        struct kvm_pic_state { __u8 last_irr; __u8 irr; __u8 imr; __u8 isr; __u8 priority_add; __u8 irq_base;
            __u8 read_reg_select; __u8 poll; __u8 special_mask; __u8 init_state; __u8 auto_eoi;
            __u8 rotate_on_auto_eoi; __u8 special_fully_nested_mode; __u8 init4; __u8 elcr; __u8 elcr_mask; };
        struct kvm_ioapic_state { __u64 base_address; __u32 ioregsel; __u32 id; __u32 irr; __u32 pad;
            union { __u64 bits; } redirtbl[KVM_IOAPIC_NUM_PINS]; };
        struct kvm_irqchip { __u32 chip_id; __u32 pad;
            union { char dummy[512]; struct kvm_pic_state pic; struct kvm_ioapic_state ioapic; } chip; };
        struct kvm_pit_config { __u32 flags; __u32 pad[15]; };
        struct kvm_pit_channel_state { __u32 count; __u16 latched_count; __u8 count_latched;
            __u8 status_latched; __u8 status; __u8 read_state; __u8 write_state; __u8 write_latch;
            __u8 rw_mode; __u8 mode; __u8 bcd; __u8 gate; __s64 count_load_time; };
        struct kvm_pit_state2 { struct kvm_pit_channel_state channels[3]; __u32 flags; __u32 reserved[9]; };
        struct kvm_irq_level { union { __u32 irq; __s32 status; }; __u32 level; };
        struct kvm_irqfd { __u32 fd; __u32 gsi; __u32 flags; __u32 resamplefd; __u8 pad[16]; };
        struct kvm_ioeventfd { __u64 datamatch; __u64 addr; __u32 len; __s32 fd; __u32 flags; __u8 pad[36]; };
        struct kvm_vcpu_events {
            struct { __u8 injected; __u8 nr; __u8 has_error_code; __u8 pending; __u32 error_code; } exception;
            struct { __u8 injected; __u8 nr; __u8 soft; __u8 shadow; } interrupt;
            struct { __u8 injected; __u8 pending; __u8 masked; __u8 pad; } nmi;
            __u32 sipi_vector; __u32 flags;
            struct { __u8 smm; __u8 pending; __u8 smm_inside_nmi; __u8 latched_init; } smi;
            struct { __u8 pending; } triple_fault;
            __u8 reserved[26]; __u8 exception_has_payload; __u64 exception_payload; };
        struct kvm_mp_state { __u32 mp_state; };
        struct kvm_xsave { __u32 region[1024]; __u32 extra[]; };
        struct kvm_xcr { __u32 xcr; __u32 reserved; __u64 value; };
        struct kvm_xcrs { __u32 nr_xcrs; __u32 flags; struct kvm_xcr xcrs[KVM_MAX_XCRS]; __u64 padding[16]; };
        struct kvm_debugregs { __u64 db[4]; __u64 dr6; __u64 dr7; __u64 flags; __u64 reserved[9]; };
        struct kvm_clock_data { __u64 clock; __u32 flags; __u32 pad0; __u64 realtime; __u64 host_tsc;
            __u32 pad[4]; };
        struct kvm_signal_mask { __u32 len; __u8 sigset[]; };
        struct kvm_enable_cap { __u32 cap; __u32 flags; __u64 args[4]; __u8 pad[64]; };
        struct kvm_translation { __u64 linear_address; __u64 physical_address; __u8 valid; __u8 writeable;
            __u8 usermode; __u8 pad[5]; };
        struct kvm_guest_debug_arch { __u64 debugreg[8]; };
        struct kvm_guest_debug { __u32 control; __u32 pad; struct kvm_guest_debug_arch arch; };
        """;

    static final List<String> KVM_IOCTLS = List.of(
        "KVMIO", "KVM_API_VERSION", "KVM_NR_INTERRUPTS", "KVM_PIT_SPEAKER_DUMMY", "KVM_PIT_FLAGS_HPET_LEGACY",
        "KVM_GET_API_VERSION", "KVM_CREATE_VM", "KVM_CHECK_EXTENSION", "KVM_GET_VCPU_MMAP_SIZE",
        "KVM_GET_SUPPORTED_CPUID", "KVM_GET_MSR_INDEX_LIST", "KVM_GET_MSR_FEATURE_INDEX_LIST", "KVM_CREATE_VCPU",
        "KVM_SET_USER_MEMORY_REGION", "KVM_SET_TSS_ADDR", "KVM_SET_IDENTITY_MAP_ADDR", "KVM_CREATE_IRQCHIP",
        "KVM_CREATE_PIT2", "KVM_IRQ_LINE", "KVM_IRQ_LINE_STATUS", "KVM_IRQFD", "KVM_IOEVENTFD", "KVM_GET_IRQCHIP",
        "KVM_SET_IRQCHIP", "KVM_GET_PIT2", "KVM_SET_PIT2", "KVM_GET_CLOCK", "KVM_SET_CLOCK", "KVM_ENABLE_CAP",
        "KVM_RUN", "KVM_GET_REGS", "KVM_SET_REGS", "KVM_GET_SREGS", "KVM_SET_SREGS", "KVM_GET_FPU", "KVM_SET_FPU",
        "KVM_GET_MSRS", "KVM_SET_MSRS", "KVM_SET_CPUID2", "KVM_GET_CPUID2", "KVM_GET_LAPIC", "KVM_SET_LAPIC",
        "KVM_GET_VCPU_EVENTS", "KVM_SET_VCPU_EVENTS", "KVM_GET_MP_STATE", "KVM_SET_MP_STATE", "KVM_GET_XSAVE",
        "KVM_SET_XSAVE", "KVM_GET_XCRS", "KVM_SET_XCRS", "KVM_GET_DEBUGREGS", "KVM_SET_DEBUGREGS",
        "KVM_SET_SIGNAL_MASK", "KVM_TRANSLATE", "KVM_SET_GUEST_DEBUG", "KVM_KVMCLOCK_CTRL", "KVM_NMI",
        "KVM_INTERRUPT", "KVM_SET_TSC_KHZ", "KVM_GET_TSC_KHZ", "KVM_X86_DISABLE_EXITS_MWAIT",
        "KVM_X86_DISABLE_EXITS_HLT", "KVM_X86_DISABLE_EXITS_PAUSE", "KVM_X86_DISABLE_EXITS_CSTATE");

    static final List<Discover> KVM_DISCOVERED = List.of(
        new Discover("linux/kvm.h", "KVM_EXIT_[A-Z0-9_]+"),
        new Discover("linux/kvm.h", "KVM_INTERNAL_ERROR_[A-Z0-9_]+"),
        new Discover("linux/kvm.h", "KVM_SYSTEM_EVENT_[A-Z0-9_]+"),
        new Discover("linux/kvm.h", "KVM_CAP_[A-Z0-9_]+"),
        new Discover("linux/kvm.h", "KVM_MEM_[A-Z0-9_]+"),
        new Discover("linux/kvm.h", "KVM_IRQFD_FLAG_[A-Z0-9_]+"),
        new Discover("linux/kvm.h", "KVM_IOEVENTFD_(VALID_)?FLAG_[A-Z0-9_]+"),
        new Discover("linux/kvm.h", "KVM_MP_STATE_[A-Z0-9_]+"),
        new Discover("linux/kvm.h", "KVM_VCPUEVENT_VALID_[A-Z0-9_]+"),
        new Discover("linux/kvm.h", "KVM_GUESTDBG_[A-Z0-9_]+"),
        new Discover("linux/kvm.h", "KVM_IRQCHIP_[A-Z0-9_]+"),
        new Discover("linux/kvm.h", "KVM_CPUID_FLAG_[A-Z0-9_]+"),
        new Discover("linux/kvm.h", "KVM_CLOCK_[A-Z0-9_]+"));

    static final String LIBC_STRUCTS = """
        struct epoll_event { uint32_t events; union { void *ptr; int fd; uint32_t u32; uint64_t u64; } data; };
        struct pollfd { int fd; short events; short revents; };
        struct termios { tcflag_t c_iflag; tcflag_t c_oflag; tcflag_t c_cflag; tcflag_t c_lflag; cc_t c_line;
            cc_t c_cc[NCCS]; speed_t c_ispeed; speed_t c_ospeed; };
        struct winsize { unsigned short ws_row; unsigned short ws_col; unsigned short ws_xpixel;
            unsigned short ws_ypixel; };
        struct ifreq { union { char ifrn_name[IFNAMSIZ]; } ifr_ifrn;
            union { short ifru_flags; int ifru_ivalue; int ifru_mtu; char ifru_slave[IFNAMSIZ];
                    char ifru_newname[IFNAMSIZ]; char *ifru_data; } ifr_ifru; };
        struct timespec { long tv_sec; long tv_nsec; };
        sigset_t { unsigned long __val[_SIGSET_NWORDS]; };
        struct iovec { void *iov_base; size_t iov_len; };
        """;

    // AF_UNIX stream sockets (virtio-vsock's host side).
    static final String SOCKET_STRUCTS = """
        struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; };
        """;

    static final List<String> SOCKET_NAMED = List.of(
        "AF_UNIX", "SOCK_STREAM", "SOCK_NONBLOCK", "SOCK_CLOEXEC", "SHUT_RD", "SHUT_WR", "SHUT_RDWR",
        "MSG_NOSIGNAL", "MSG_PEEK", "MSG_DONTWAIT", "SOMAXCONN");

    static final List<String> LIBC_NAMED = List.of(
        "SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK", "__SIGRTMIN", "__SIGRTMAX", "SIGHUP", "SIGINT", "SIGQUIT",
        "SIGKILL", "SIGUSR1", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGCHLD", "SIGWINCH",
        "TCSANOW", "TCSADRAIN", "TCSAFLUSH", "TIOCGWINSZ", "TIOCSWINSZ", "NCCS", "ECHO", "ICANON", "ISIG",
        "ICRNL", "IXON", "OPOST", "ONLCR", "VMIN", "VTIME",
        "TUNSETIFF", "TUNGETIFF", "TUNSETVNETHDRSZ", "TUNGETVNETHDRSZ", "TUNSETOFFLOAD", "TUNGETFEATURES",
        "IFF_TUN", "IFF_TAP", "IFF_NO_PI", "IFF_VNET_HDR", "IFF_MULTI_QUEUE", "IFNAMSIZ",
        "LOCK_SH", "LOCK_EX", "LOCK_NB", "LOCK_UN", "F_GETFD", "F_SETFD", "F_GETFL", "F_SETFL", "FD_CLOEXEC",
        "F_GETLK", "F_SETLK", "F_SETLKW", "F_OFD_GETLK", "F_OFD_SETLK", "F_OFD_SETLKW", "F_RDLCK", "F_WRLCK",
        "F_UNLCK", "SEEK_SET", "SEEK_CUR", "SEEK_END", "STDIN_FILENO", "STDOUT_FILENO", "STDERR_FILENO",
        "AT_FDCWD", "_SIGSET_NWORDS",
        "UIO_MAXIOV");

    static final List<Discover> LIBC_DISCOVERED = List.of(
        new Discover("errno.h", "E[A-Z0-9]+"),
        new Discover("fcntl.h", "O_[A-Z0-9_]+"),
        new Discover("sys/mman.h", "(PROT|MAP|MADV|MFD)_[A-Z0-9_]+"),
        new Discover("sys/eventfd.h", "EFD_[A-Z0-9_]+"),
        new Discover("sys/epoll.h", "EPOLL[A-Z0-9_]+"),
        new Discover("poll.h", "POLL[A-Z0-9_]+"),
        new Discover("linux/if_tun.h", "TUN_F_[A-Z0-9_]+"),
        new Discover("linux/falloc.h", "FALLOC_FL_[A-Z0-9_]+"),
        new Discover("sys/random.h", "GRND_[A-Z0-9_]+"));

    static final List<PackageSpec> PACKAGES = List.of(
        new PackageSpec("dev.jvmm.bindings.kvm", "kvm_h", List.of("linux/kvm.h"),
            List.of(KVM_STRUCTS), KVM_IOCTLS, KVM_DISCOVERED),
        new PackageSpec("dev.jvmm.bindings.libc", "libc_h",
            List.of("errno.h", "fcntl.h", "unistd.h", "signal.h", "poll.h", "time.h", "termios.h", "sys/ioctl.h",
                "sys/mman.h", "sys/eventfd.h", "sys/epoll.h", "sys/file.h", "sys/random.h", "net/if.h",
                "linux/if_tun.h", "linux/falloc.h", "sys/socket.h", "sys/un.h",
                "sys/uio.h"),
            List.of(LIBC_STRUCTS, SOCKET_STRUCTS), concat(LIBC_NAMED, SOCKET_NAMED), LIBC_DISCOVERED));

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    /** Macros a prefix matches that are not integers. */
    static final Set<String> NOT_INTEGERS = Set.of("MAP_FAILED");

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: java BindingsGenerator.java <kvm-bindings/src/main/java>");
            System.exit(2);
        }
        Path root = Path.of(args[0]);
        for (PackageSpec spec : PACKAGES) {
            new BindingsGenerator(spec, root).generate();
        }
    }

    private final PackageSpec spec;
    private final Path outDir;
    private final Path work;

    BindingsGenerator(PackageSpec spec, Path root) throws IOException {
        this.spec = spec;
        this.outDir = root.resolve(spec.javaPackage().replace('.', '/'));
        this.work = Files.createTempDirectory("jvmm-bindgen");
    }

    void generate() throws Exception {
        List<Struct> structs = new ArrayList<>();
        for (String text : spec.structs()) {
            structs.addAll(new Parser(text).structs());
        }
        Map<String, String> macros = macroDefinitions(spec.includes());
        List<String> names = new ArrayList<>(new LinkedHashSet<>(constantNames(macros)));
        Map<String, String> facts = runFacts(structs, names);
        Map<String, Struct> byName = new HashMap<>();
        for (Struct s : structs) {
            byName.put(s.name, s);
        }
        for (Struct s : structs) {
            s.resolve(facts, byName);
        }
        Files.createDirectories(outDir);
        try (var old = Files.list(outDir)) {
            for (Path p : old.toList()) {
                if (p.toString().endsWith(".java") && !p.getFileName().toString().equals("package-info.java")) {
                    Files.delete(p);
                }
            }
        }
        for (Struct s : structs) {
            write(s.name, new StructWriter(spec.javaPackage(), s).source());
        }
        write(spec.headerClass(), constantsSource(names, facts, macros));
    }

    private void write(String className, String source) throws IOException {
        Files.writeString(outDir.resolve(className + ".java"), source, StandardCharsets.UTF_8);
    }

    private String preamble(List<String> includes) {
        StringBuilder c = new StringBuilder("#define _GNU_SOURCE\n");
        for (String h : includes) {
            c.append("#include <").append(h).append(">\n");
        }
        return c.toString();
    }

    private Map<String, String> macroDefinitions(List<String> includes) throws Exception {
        Map<String, String> defs = new LinkedHashMap<>();
        for (String line : gcc(preamble(includes), "-E", "-dM").split("\n")) {
            var m = Pattern.compile("#define (\\w+) (.*)").matcher(line);
            if (m.matches()) {
                defs.put(m.group(1), m.group(2).strip());
            }
        }
        return defs;
    }

    private List<String> constantNames(Map<String, String> all) throws Exception {
        List<String> names = new ArrayList<>(spec.constants());
        for (Discover d : spec.discovered()) {
            Pattern p = Pattern.compile(d.regex());
            List<String> found = new ArrayList<>();
            for (String name : macroDefinitions(List.of(d.header())).keySet()) {
                if (p.matcher(name).matches() && !NOT_INTEGERS.contains(name) && all.containsKey(name)) {
                    found.add(name);
                }
            }
            found.sort(null);
            names.addAll(found);
        }
        return names;
    }

    /** Compiles and runs the probe; returns "struct:path" -> "offset size elem..." and "#NAME" -> "size value". */
    private Map<String, String> runFacts(List<Struct> structs, List<String> constants) throws Exception {
        StringBuilder c = new StringBuilder(preamble(spec.includes()));
        c.append("#include <stdio.h>\n#include <stddef.h>\nint main(void) {\n");
        for (Struct s : structs) {
            c.append("  printf(\"S ").append(s.name).append(" %zu %zu\\n\", sizeof(").append(s.cType())
                .append("), _Alignof(").append(s.cType()).append("));\n");
            s.body.probe(c, s, "");
        }
        for (String name : constants) {
            c.append("  printf(\"C ").append(name).append(" %zu %lld\\n\", sizeof(").append(name)
                .append("), (long long)(").append(name).append("));\n");
        }
        c.append("  return 0;\n}\n");
        Path src = work.resolve("probe.c");
        Files.writeString(src, c);
        Path exe = work.resolve("probe");
        exec(List.of("gcc", "-std=gnu11", "-Wall", "-o", exe.toString(), src.toString()), null);
        Map<String, String> facts = new HashMap<>();
        for (String line : exec(List.of(exe.toString()), null).split("\n")) {
            String[] parts = line.split(" ", 3);
            String key = switch (parts[0]) {
                case "S" -> "S:" + parts[1];
                case "F" -> "F:" + parts[1];
                case "C" -> "C:" + parts[1];
                default -> throw new IllegalStateException("probe printed " + line);
            };
            facts.put(key, parts[2]);
        }
        return facts;
    }

    private String gcc(String source, String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("gcc", "-x", "c"));
        cmd.addAll(List.of(options));
        cmd.add("-");
        return exec(cmd, source);
    }

    static String exec(List<String> cmd, String stdin) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed");
        }
        return out;
    }

    private String constantsSource(List<String> names, Map<String, String> facts, Map<String, String> macros) {
        StringBuilder j = new StringBuilder();
        j.append("// Generated by kvm-bindings/generator/BindingsGenerator.java from ")
            .append(String.join(", ", spec.includes())).append(". Do not edit.\n");
        j.append("package ").append(spec.javaPackage()).append(";\n\n");
        j.append("/** Constants of {@code ").append(String.join("}, {@code ", spec.includes()))
            .append("}, with the values gcc computed for them. */\n");
        j.append("@SuppressWarnings(\"unused\")\npublic final class ").append(spec.headerClass()).append(" {\n\n");
        j.append("    private ").append(spec.headerClass()).append("() {}\n");
        for (String name : names) {
            String[] f = facts.get("C:" + name).split(" ");
            long size = Long.parseLong(f[0]);
            long value = Long.parseLong(f[1]);
            boolean wide = size == 8;
            String type = wide ? "long" : "int";
            String literal = wide ? value + "L"
                : (value == (int) value ? Long.toString(value) : "(int)" + value + "L");
            j.append("\n    private static final ").append(type).append(' ').append(name).append(" = ")
                .append(literal).append(";\n");
            j.append("    /**\n     * {@snippet lang=c :\n     * #define ").append(name).append(' ')
                .append(javadocSafe(macros.getOrDefault(name, ""))).append("\n     * }\n     */\n");
            j.append("    public static ").append(type).append(' ').append(name).append("() {\n        return ")
                .append(name).append(";\n    }\n");
        }
        j.append("}\n");
        return j.toString();
    }

    static String javadocSafe(String s) {
        return s.replace("*/", "*\\/").replace("@", "{@literal @}");
    }

    // ---------------------------------------------------------------- model

    /** A struct, union or sigset_t-like typedef to bind, as declared in the spec. */
    static final class Struct {
        final String name;
        final boolean typedef;
        final Group body;
        long size;
        long align;

        Struct(String name, boolean typedef, Group body) {
            this.name = name;
            this.typedef = typedef;
            this.body = body;
        }

        String cType() {
            return typedef ? name : (body.union ? "union " : "struct ") + name;
        }

        void resolve(Map<String, String> facts, Map<String, Struct> structs) {
            String[] f = facts.get("S:" + name).split(" ");
            size = Long.parseLong(f[0]);
            align = Long.parseLong(f[1]);
            body.resolve(facts, structs, this, "");
            body.offset = 0;
            body.size = size;
        }
    }

    /** A struct or union body: the top-level one, or an anonymous one nested in it. */
    static final class Group {
        final boolean union;
        final List<Field> fields = new ArrayList<>();
        long offset; // from the start of the top-level struct
        long size;
        long align = 1;

        Group(boolean union) {
            this.union = union;
        }

        void probe(StringBuilder c, Struct s, String prefix) {
            for (Field f : fields) {
                if (f.name == null) {
                    f.group.probe(c, s, prefix);
                    continue;
                }
                String path = prefix + f.name;
                String member = "((" + s.cType() + "*)0)->" + path;
                c.append("  printf(\"F ").append(s.name).append(':').append(path).append(" %zu %zu");
                StringBuilder argsText = new StringBuilder(", offsetof(" + s.cType() + ", " + path + ")");
                argsText.append(", ").append(f.flexible ? "(size_t)0" : "sizeof(" + member + ")");
                String element = member;
                for (int d = 0; d < f.dimensionCount; d++) {
                    element += "[0]";
                    c.append(" %zu");
                    argsText.append(", sizeof(").append(element).append(")");
                }
                c.append("\\n\"").append(argsText).append(");\n");
                if (f.group != null) {
                    f.group.probe(c, s, path + "[0]".repeat(f.dimensionCount) + ".");
                }
            }
        }

        void resolve(Map<String, String> facts, Map<String, Struct> structs, Struct s, String prefix) {
            long start = Long.MAX_VALUE;
            long end = 0;
            for (Field f : fields) {
                if (f.name == null) {
                    f.group.resolve(facts, structs, s, prefix);
                    f.group.size = roundUp(f.group.size, f.group.align);
                    f.offset = f.group.offset;
                    f.size = f.group.size;
                    f.align = f.group.align;
                } else {
                    f.resolve(facts.get("F:" + s.name + ":" + prefix + f.name), structs);
                    if (f.group != null) {
                        f.group.resolve(facts, structs, s, prefix + f.name + "[0]".repeat(f.dimensionCount) + ".");
                        f.group.offset = f.offset;
                        f.group.size = f.elementSize;
                        f.align = f.group.align;
                    }
                }
                start = Math.min(start, f.offset);
                end = Math.max(end, f.offset + f.size);
                align = Math.max(align, f.align);
            }
            offset = start;
            size = end - start;
        }
    }

    /** One declarator of the spec: a scalar, named struct, anonymous group, or array of these. */
    static final class Field {
        String name;          // null for an anonymous struct/union member
        String cType;         // "__u32", "void *", "struct kvm_segment"; null for an anonymous group
        Group group;          // the body of an anonymous struct/union type
        String declaration;   // C text, for javadoc
        int dimensionCount;
        boolean flexible;     // a flexible array member: dimension unknown to sizeof
        long offset;          // from the start of the top-level struct
        long size;
        long[] dims = new long[0];
        long elementSize;     // of the innermost element
        long align;
        Struct struct;        // the named struct type, if any

        void resolve(String fact, Map<String, Struct> structs) {
            if (fact == null) {
                throw new IllegalStateException("no facts for " + name);
            }
            String[] f = fact.split(" ");
            offset = Long.parseLong(f[0]);
            size = Long.parseLong(f[1]);
            dims = new long[dimensionCount];
            for (int d = 0; d < dimensionCount; d++) {
                long outer = Long.parseLong(f[1 + d]);
                long inner = Long.parseLong(f[2 + d]);
                dims[d] = (d == 0 && flexible) ? 0 : outer / inner;
            }
            elementSize = Long.parseLong(f[f.length - 1]);
            if (cType != null && cType.startsWith("struct ")) {
                struct = structs.get(cType.substring(7));
                if (struct == null) {
                    throw new IllegalStateException(cType + " is not in the spec");
                }
                align = struct.align;
            } else if (group == null) {
                align = elementSize;
                if (!cType.contains("*") && !Set.of(1L, 2L, 4L, 8L).contains(elementSize)) {
                    throw new IllegalStateException(name + ": no Java carrier for " + elementSize + " bytes");
                }
            }
            if (offset != 0 && group == null) {
                align = Math.min(align, Long.lowestOneBit(offset)); // packed structs (epoll_event)
            }
        }

        boolean isArray() {
            return dimensionCount > 0;
        }
    }

    static long roundUp(long v, long a) {
        return (v + a - 1) / a * a;
    }

    // ---------------------------------------------------------------- parser of the C subset in the spec

    static final class Parser {
        private final List<String> tokens = new ArrayList<>();
        private int pos;

        Parser(String text) {
            var m = Pattern.compile("\\[[^\\]]*\\]|[A-Za-z_][A-Za-z0-9_]*|[{};,*]|\\S").matcher(text);
            while (m.find()) {
                tokens.add(m.group());
            }
        }

        List<Struct> structs() {
            List<Struct> out = new ArrayList<>();
            while (pos < tokens.size()) {
                String kind = next();
                boolean typedef = !kind.equals("struct") && !kind.equals("union");
                String name = typedef ? kind : next();
                Group g = group(kind.equals("union"));
                expect(";");
                out.add(new Struct(name, typedef, g));
            }
            return out;
        }

        private Group group(boolean union) {
            expect("{");
            Group g = new Group(union);
            while (!peek().equals("}")) {
                members(g);
            }
            expect("}");
            return g;
        }

        private void members(Group g) {
            String first = peek();
            Group anon = null;
            String type;
            if ((first.equals("struct") || first.equals("union")) && tokens.get(pos + 1).equals("{")) {
                next();
                anon = group(first.equals("union"));
                type = first + " {...}";
                if (peek().equals(";")) {
                    next();
                    Field f = new Field();
                    f.group = anon;
                    f.declaration = type;
                    g.fields.add(f);
                    return;
                }
            } else {
                StringBuilder t = new StringBuilder();
                while (!isDeclaratorStart()) {
                    t.append(t.isEmpty() ? "" : " ").append(next());
                }
                type = t.toString();
            }
            while (true) {
                String stars = "";
                while (peek().equals("*")) {
                    stars += next();
                }
                Field f = new Field();
                f.name = next();
                f.group = anon;
                f.cType = anon == null ? (stars.isEmpty() ? type : type + " " + stars) : null;
                StringBuilder dims = new StringBuilder();
                while (peek().startsWith("[")) {
                    String d = next();
                    dims.append(d);
                    f.dimensionCount++;
                    f.flexible |= d.equals("[]");
                }
                f.declaration = type + " " + stars + f.name + dims;
                g.fields.add(f);
                if (next().equals(";")) {
                    return;
                }
            }
        }

        private boolean isDeclaratorStart() {
            // the declarator is the last identifier before one of [ , ; (after optional stars)
            int i = pos;
            while (tokens.get(i).equals("*")) {
                i++;
            }
            String after = tokens.get(i + 1);
            return after.startsWith("[") || after.equals(",") || after.equals(";");
        }

        private String peek() {
            return tokens.get(pos);
        }

        private String next() {
            return tokens.get(pos++);
        }

        private void expect(String t) {
            if (!next().equals(t)) {
                throw new IllegalStateException("expected " + t + " near token " + pos + ": " + tokens.get(pos - 1));
            }
        }
    }

    // ---------------------------------------------------------------- Java emitter

    static final class StructWriter {
        private final String pkg;
        private final Struct struct;
        private final StringBuilder j = new StringBuilder();
        private int anonCount;

        StructWriter(String pkg, Struct struct) {
            this.pkg = pkg;
            this.struct = struct;
        }

        String source() {
            j.append("// Generated by kvm-bindings/generator/BindingsGenerator.java. Do not edit.\n");
            j.append("package ").append(pkg).append(";\n\n");
            j.append("import java.lang.foreign.*;\nimport java.util.Objects;\nimport java.util.function.Consumer;\n\n");
            j.append("import static java.lang.foreign.MemoryLayout.PathElement.groupElement;\n");
            j.append("import static java.lang.foreign.ValueLayout.*;\n\n");
            j.append("/**\n * {@snippet lang=c :\n * ").append(struct.cType()).append(" {\n");
            for (Field f : struct.body.fields) {
                j.append(" *     ").append(javadocSafe(f.declaration)).append(";\n");
            }
            j.append(" * }\n * }\n */\n");
            j.append("@SuppressWarnings(\"unused\")\n");
            j.append("public final class ").append(struct.name).append(" {\n\n");
            j.append("    private ").append(struct.name).append("() {}\n\n");
            classBody(struct.body, 0, "    ", struct.body.union ? "union" : "struct");
            j.append("}\n");
            return j.toString();
        }

        /** Emits the layout, accessors and helpers of a class whose segment starts at {@code base}. */
        private void classBody(Group g, long base, String in, String param) {
            j.append(in).append("private static final GroupLayout $LAYOUT = ")
                .append(groupLayout(g, base, in + "    ")).append(";\n\n");
            j.append(in).append("/** The layout of this ").append(param).append(". */\n");
            j.append(in).append("public static GroupLayout layout() {\n").append(in).append("    return $LAYOUT;\n")
                .append(in).append("}\n");
            accessors(g, base, in, param, new ArrayList<>());
            helpers(in);
        }

        private String groupLayout(Group g, long base, String in) {
            List<String> members = new ArrayList<>();
            long cursor = 0;
            long largest = 0;
            for (Field f : g.fields) {
                long rel = f.offset - g.offset;
                if (!g.union && rel > cursor) {
                    members.add("MemoryLayout.paddingLayout(" + (rel - cursor) + ")");
                }
                members.add(memberLayout(f, base, in + "    "));
                cursor = rel + f.size;
                largest = Math.max(largest, f.size);
            }
            if (g.union && g.size > largest) {
                members.add("MemoryLayout.paddingLayout(" + g.size + ")");
            } else if (!g.union && g.size > cursor) {
                members.add("MemoryLayout.paddingLayout(" + (g.size - cursor) + ")");
            }
            return "MemoryLayout." + (g.union ? "unionLayout" : "structLayout") + "(\n" + in + "    "
                + String.join(",\n" + in + "    ", members) + "\n" + in + ")"
                + (g == struct.body ? ".withName(\"" + struct.name + "\")" : "");
        }

        private String memberLayout(Field f, long base, String in) {
            if (f.name == null) {
                String anon = "$anon$" + (anonCount++);
                anonNames.put(f.group, anon);
                return groupLayout(f.group, base, in) + ".withName(\"" + anon + "\")";
            }
            String element;
            if (f.group != null) {
                element = f.name + ".layout()";
            } else if (f.struct != null) {
                element = f.struct.name + ".layout()";
            } else {
                element = valueLayout(f);
            }
            for (int d = f.dimensionCount - 1; d >= 0; d--) {
                element = "MemoryLayout.sequenceLayout(" + f.dims[d] + ", " + element + ")";
            }
            return element + ".withName(\"" + f.name + "\")";
        }

        private static String valueLayout(Field f) {
            String base;
            long natural;
            if (f.cType.contains("*")) {
                base = "ADDRESS";
                natural = 8;
            } else {
                natural = f.elementSize;
                base = switch ((int) f.elementSize) {
                    case 1 -> "JAVA_BYTE";
                    case 2 -> "JAVA_SHORT";
                    case 4 -> "JAVA_INT";
                    default -> "JAVA_LONG";
                };
            }
            return f.align < natural ? base + ".withByteAlignment(" + f.align + ")" : base;
        }

        private static String carrier(Field f) {
            if (f.cType.contains("*")) {
                return "MemorySegment";
            }
            return switch ((int) f.elementSize) {
                case 1 -> "byte";
                case 2 -> "short";
                case 4 -> "int";
                default -> "long";
            };
        }

        private static String layoutType(Field f) {
            if (f.cType.contains("*")) {
                return "AddressLayout";
            }
            return switch ((int) f.elementSize) {
                case 1 -> "OfByte";
                case 2 -> "OfShort";
                case 4 -> "OfInt";
                default -> "OfLong";
            };
        }

        private void javadoc(String in, String what, Field f) {
            j.append(in).append("/**\n").append(in).append(" * ").append(what).append(":\n")
                .append(in).append(" * {@snippet lang=c :\n").append(in).append(" * ")
                .append(javadocSafe(f.declaration)).append("\n").append(in).append(" * }\n")
                .append(in).append(" */\n");
        }

        private void accessors(Group g, long base, String in, String param, List<String> anonPath) {
            for (Field f : g.fields) {
                if (f.name == null) {
                    List<String> path = new ArrayList<>(anonPath);
                    path.add(findAnonName(f.group));
                    accessors(f.group, base, in, param, path);
                    continue;
                }
                String n = f.name;
                long off = f.offset - base;
                StringBuilder select = new StringBuilder();
                for (String a : anonPath) {
                    select.append("groupElement(\"").append(a).append("\"), ");
                }
                select.append("groupElement(\"").append(n).append("\")");
                boolean scalar = f.group == null && f.struct == null && !f.isArray();
                String lt = scalar ? layoutType(f) : f.isArray() ? "SequenceLayout" : "GroupLayout";
                j.append("\n").append(in).append("private static final ").append(lt).append(' ').append(n)
                    .append("$LAYOUT = (").append(lt).append(") $LAYOUT.select(").append(select).append(");\n\n");
                javadoc(in, "Layout for field", f);
                j.append(in).append("public static ").append(lt).append(' ').append(n).append("$layout() {\n")
                    .append(in).append("    return ").append(n).append("$LAYOUT;\n").append(in).append("}\n\n");
                j.append(in).append("private static final long ").append(n).append("$OFFSET = ").append(off)
                    .append(";\n\n");
                javadoc(in, "Offset for field", f);
                j.append(in).append("public static long ").append(n).append("$offset() {\n")
                    .append(in).append("    return ").append(n).append("$OFFSET;\n").append(in).append("}\n\n");
                if (scalar) {
                    String c = carrier(f);
                    javadoc(in, "Getter for field", f);
                    j.append(in).append("public static ").append(c).append(' ').append(n).append("(MemorySegment ")
                        .append(param).append(") {\n").append(in).append("    return ").append(param)
                        .append(".get(").append(n).append("$LAYOUT, ").append(n).append("$OFFSET);\n")
                        .append(in).append("}\n\n");
                    javadoc(in, "Setter for field", f);
                    j.append(in).append("public static void ").append(n).append("(MemorySegment ").append(param)
                        .append(", ").append(c).append(" fieldValue) {\n").append(in).append("    ").append(param)
                        .append(".set(").append(n).append("$LAYOUT, ").append(n).append("$OFFSET, fieldValue);\n")
                        .append(in).append("}\n");
                } else {
                    if (!f.flexible) {
                        javadoc(in, "Getter for field", f);
                        j.append(in).append("public static MemorySegment ").append(n).append("(MemorySegment ")
                            .append(param).append(") {\n").append(in).append("    return ").append(param)
                            .append(".asSlice(").append(n).append("$OFFSET, ").append(n)
                            .append("$LAYOUT.byteSize());\n").append(in).append("}\n\n");
                        javadoc(in, "Setter for field", f);
                        j.append(in).append("public static void ").append(n).append("(MemorySegment ").append(param)
                            .append(", MemorySegment fieldValue) {\n").append(in)
                            .append("    MemorySegment.copy(fieldValue, 0L, ").append(param).append(", ").append(n)
                            .append("$OFFSET, ").append(n).append("$LAYOUT.byteSize());\n").append(in).append("}\n");
                    }
                    if (f.isArray()) {
                        arrayAccessors(f, in, param);
                    }
                }
                if (f.group != null) {
                    j.append("\n");
                    nestedClass(f, in);
                }
            }
        }

        private final Map<Group, String> anonNames = new HashMap<>();

        private String findAnonName(Group g) {
            return anonNames.get(g);
        }

        private void arrayAccessors(Field f, String in, String param) {
            String n = f.name;
            StringBuilder dims = new StringBuilder();
            for (int d = 0; d < f.dimensionCount; d++) {
                dims.append(d == 0 ? "" : ", ").append(f.dims[d]);
            }
            j.append("\n").append(in).append("private static final long[] ").append(n).append("$DIMS = { ")
                .append(dims).append(" };\n\n");
            javadoc(in, "Dimensions for array field" + (f.flexible ? " (a flexible array member: 0)" : ""), f);
            j.append(in).append("public static long[] ").append(n).append("$dimensions() {\n").append(in)
                .append("    return ").append(n).append("$DIMS.clone();\n").append(in).append("}\n\n");
            StringBuilder params = new StringBuilder();
            StringBuilder offset = new StringBuilder(n + "$OFFSET");
            StringBuilder checks = new StringBuilder();
            long stride = f.elementSize;
            long[] strides = new long[f.dimensionCount];
            for (int d = f.dimensionCount - 1; d >= 0; d--) {
                strides[d] = stride;
                stride *= Math.max(1, f.dims[d]);
            }
            for (int d = 0; d < f.dimensionCount; d++) {
                params.append(", long index").append(d);
                offset.append(" + index").append(d).append(" * ").append(strides[d]).append("L");
                if (!(d == 0 && f.flexible)) {
                    checks.append(in).append("    Objects.checkIndex(index").append(d).append(", ")
                        .append(f.dims[d]).append(");\n");
                }
            }
            boolean structElement = f.struct != null || f.group != null;
            String note = f.flexible
                ? "Indexed getter for flexible array field (the segment must be large enough)"
                : "Indexed getter for field";
            javadoc(in, note, f);
            if (structElement) {
                j.append(in).append("public static MemorySegment ").append(n).append("(MemorySegment ").append(param)
                    .append(params).append(") {\n").append(checks).append(in).append("    return ").append(param)
                    .append(".asSlice(").append(offset).append(", ").append(f.elementSize).append("L);\n")
                    .append(in).append("}\n");
                return;
            }
            String c = carrier(f);
            String elem = valueLayout(f);
            j.append(in).append("public static ").append(c).append(' ').append(n).append("(MemorySegment ")
                .append(param).append(params).append(") {\n").append(checks).append(in).append("    return ")
                .append(param).append(".get(").append(elem).append(", ").append(offset).append(");\n")
                .append(in).append("}\n\n");
            javadoc(in, "Indexed setter for field", f);
            j.append(in).append("public static void ").append(n).append("(MemorySegment ").append(param)
                .append(params).append(", ").append(c).append(" fieldValue) {\n").append(checks).append(in)
                .append("    ").append(param).append(".set(").append(elem).append(", ").append(offset)
                .append(", fieldValue);\n").append(in).append("}\n");
        }

        private void nestedClass(Field f, String in) {
            j.append(in).append("/**\n").append(in).append(" * {@snippet lang=c :\n").append(in).append(" * ")
                .append(f.declaration).append("\n").append(in).append(" * }\n").append(in).append(" */\n");
            j.append(in).append("public static final class ").append(f.name).append(" {\n\n");
            j.append(in).append("    private ").append(f.name).append("() {}\n\n");
            classBody(f.group, f.offset, in + "    ", f.group.union ? "union" : "struct");
            j.append(in).append("}\n");
        }

        private void helpers(String in) {
            j.append("\n").append(in).append("/** The size in bytes of this struct. */\n");
            j.append(in).append("public static long sizeof() {\n").append(in)
                .append("    return layout().byteSize();\n").append(in).append("}\n\n");
            j.append(in).append("/** Allocates a segment of this struct's size and alignment. */\n");
            j.append(in).append("public static MemorySegment allocate(SegmentAllocator allocator) {\n").append(in)
                .append("    return allocator.allocate(layout());\n").append(in).append("}\n\n");
            j.append(in).append("/** Allocates an array of {@code elementCount} of this struct. */\n");
            j.append(in).append("public static MemorySegment allocateArray(long elementCount, SegmentAllocator allocator) {\n")
                .append(in).append("    return allocator.allocate(MemoryLayout.sequenceLayout(elementCount, layout()));\n")
                .append(in).append("}\n\n");
            j.append(in).append("/** The element at {@code index} of an array of this struct. */\n");
            j.append(in).append("public static MemorySegment asSlice(MemorySegment array, long index) {\n").append(in)
                .append("    return array.asSlice(layout().byteSize() * index, layout().byteSize());\n")
                .append(in).append("}\n\n");
            j.append(in).append("/** Reinterprets {@code addr} as one of this struct, freed by {@code cleanup} when {@code arena} closes. */\n");
            j.append(in).append("@SuppressWarnings(\"restricted\")\n");
            j.append(in).append("public static MemorySegment reinterpret(MemorySegment addr, Arena arena, Consumer<MemorySegment> cleanup) {\n")
                .append(in).append("    return reinterpret(addr, 1, arena, cleanup);\n").append(in).append("}\n\n");
            j.append(in).append("/** Reinterprets {@code addr} as an array of {@code elementCount} of this struct. */\n");
            j.append(in).append("@SuppressWarnings(\"restricted\")\n");
            j.append(in).append("public static MemorySegment reinterpret(MemorySegment addr, long elementCount, Arena arena, Consumer<MemorySegment> cleanup) {\n")
                .append(in).append("    return addr.reinterpret(layout().byteSize() * elementCount, arena, cleanup);\n")
                .append(in).append("}\n");
        }
    }
}
