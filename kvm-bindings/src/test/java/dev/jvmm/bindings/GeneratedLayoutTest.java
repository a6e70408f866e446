package dev.jvmm.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvmm.bindings.kvm.kvm_h;
import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the generated bindings against gcc: walks every generated struct's {@code layout()} and every constant
 * of the {@code *_h} classes, prints gcc's {@code offsetof}/{@code sizeof}/value for each, and compares.
 */
class GeneratedLayoutTest {

    private static final List<String> KVM_HEADERS = List.of("linux/kvm.h");
    private static final List<String> LIBC_HEADERS = List.of("errno.h", "fcntl.h", "unistd.h", "signal.h", "poll.h",
        "time.h", "termios.h", "sys/ioctl.h", "sys/mman.h", "sys/eventfd.h", "sys/epoll.h", "sys/file.h",
        "sys/random.h", "net/if.h", "linux/if_tun.h", "linux/falloc.h", "sys/socket.h", "sys/un.h",
        "sys/uio.h");

    @TempDir
    Path work;

    @BeforeAll
    static void needsGccAndHeaders() throws Exception {
        assumeTrue(succeeds(List.of("gcc", "--version"), null),
            "gcc is not installed: the layout probe is a C program compiled against the system headers");
        assumeTrue(succeeds(List.of("gcc", "-E", "-x", "c", "-"), "#include <linux/kvm.h>\n"),
            "<linux/kvm.h> is missing: install the kernel's user-space headers (linux-libc-dev)");
    }

    @Test
    void kvmStructsHaveGccLayout() throws Exception {
        assertStructsMatchGcc("kvm", KVM_HEADERS);
    }

    @Test
    void libcStructsHaveGccLayout() throws Exception {
        assertStructsMatchGcc("libc", LIBC_HEADERS);
    }

    @Test
    void kvmConstantsHaveGccValues() throws Exception {
        assertConstantsMatchGcc("kvm", KVM_HEADERS);
    }

    @Test
    void libcConstantsHaveGccValues() throws Exception {
        assertConstantsMatchGcc("libc", LIBC_HEADERS);
    }

    /** One expected fact: {@code key} is "struct.path" or a constant name. */
    private record Fact(String key, long offset, long size) {}

    private void assertStructsMatchGcc(String pkg, List<String> headers) throws Exception {
        List<String> probes = new ArrayList<>();
        Map<String, Fact> expected = new LinkedHashMap<>();
        int structs = 0;
        List<String> initFailures = new ArrayList<>();
        for (Class<?> c : generatedClasses(pkg)) {
            Method layoutMethod;
            try {
                layoutMethod = c.getMethod("layout");
            } catch (NoSuchMethodException notAStruct) {
                continue;
            }
            structs++;
            GroupLayout layout;
            try {
                layout = (GroupLayout) layoutMethod.invoke(null);
            } catch (ExceptionInInitializerError e) {
                initFailures.add(c.getSimpleName() + ": class initialization failed: " + e.getCause());
                continue;
            }
            String name = layout.name().orElseThrow();
            assertEquals(c.getSimpleName(), name, "layout name of " + c.getName());
            String cType = name.endsWith("_t") ? name : "struct " + name;
            expected.put(name, new Fact(name, 0, layout.byteSize()));
            probes.add("printf(\"%s 0 %zu\\n\", \"" + name + "\", sizeof(" + cType + "));");
            List<Fact> fields = new ArrayList<>();
            walk(layout, "", 0, fields);
            for (Fact f : fields) {
                String key = name + "." + f.key();
                expected.put(key, new Fact(key, f.offset(), f.size()));
                String size = f.size() < 0 ? "-1LL" : "(long long) sizeof(((" + cType + " *) 0)->" + f.key() + ")";
                probes.add("printf(\"%s %zu %lld\\n\", \"" + key + "\", offsetof(" + cType + ", " + f.key() + "), "
                    + size + ");");
            }
        }
        assertTrue(structs >= ("kvm".equals(pkg) ? 30 : 5), "found only " + structs + " generated structs in " + pkg);
        List<String> mismatches = new ArrayList<>(initFailures);
        for (String line : runProbe(headers, probes)) {
            String[] p = line.split(" ");
            Fact java = expected.remove(p[0]);
            long offset = Long.parseLong(p[1]);
            long size = Long.parseLong(p[2]);
            if (java.offset() != offset) {
                mismatches.add(p[0] + ": offset is " + java.offset() + " in Java, " + offset + " in C");
            }
            if (java.size() >= 0 && java.size() != size) {
                mismatches.add(p[0] + ": size is " + java.size() + " in Java, " + size + " in C");
            }
        }
        assertTrue(expected.isEmpty(), "gcc printed nothing for " + expected.keySet());
        if (!mismatches.isEmpty()) {
            fail("generated layouts differ from gcc's:\n  " + String.join("\n  ", mismatches));
        }
    }

    /** Adds a fact per named member; C paths skip anonymous members, as C's own member access does. */
    private static void walk(GroupLayout group, String prefix, long base, List<Fact> out) {
        long offset = 0;
        for (MemoryLayout m : group.memberLayouts()) {
            long at = base + (group instanceof StructLayout ? offset : 0);
            offset += m.byteSize();
            if (m instanceof PaddingLayout) {
                continue;
            }
            String name = m.name().orElseThrow(() -> new AssertionError("unnamed member in " + group));
            if (name.startsWith("$anon$") && m instanceof GroupLayout anonymous) {
                walk(anonymous, prefix, at, out);
                continue;
            }
            describe(m, prefix + name, at, out);
        }
    }

    private static void describe(MemoryLayout m, String path, long at, List<Fact> out) {
        boolean flexible = m instanceof SequenceLayout s && s.elementCount() == 0;
        out.add(new Fact(path, at, flexible ? -1 : m.byteSize()));
        if (m instanceof GroupLayout g) {
            walk(g, path + ".", at, out);
        } else if (m instanceof SequenceLayout s) {
            describe(s.elementLayout(), path + "[0]", at, out);
        }
    }

    private void assertConstantsMatchGcc(String pkg, List<String> headers) throws Exception {
        Map<String, Number> expected = new LinkedHashMap<>();
        List<String> probes = new ArrayList<>();
        for (Class<?> c : generatedClasses(pkg)) {
            if (!c.getSimpleName().endsWith("_h")) {
                continue;
            }
            for (Method m : c.getDeclaredMethods()) {
                if (Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers())
                    && m.getParameterCount() == 0) {
                    expected.put(m.getName(), (Number) m.invoke(null));
                    probes.add("printf(\"%s %zu %lld\\n\", \"" + m.getName() + "\", sizeof(" + m.getName()
                        + "), (long long) (" + m.getName() + "));");
                }
            }
        }
        assertTrue(expected.size() > 100, "found only " + expected.size() + " constants in " + pkg);
        List<String> mismatches = new ArrayList<>();
        for (String line : runProbe(headers, probes)) {
            String[] p = line.split(" ");
            Number java = expected.remove(p[0]);
            boolean wide = Long.parseLong(p[1]) == 8;
            long value = Long.parseLong(p[2]);
            if (wide != (java instanceof Long)) {
                mismatches.add(p[0] + ": C type is " + p[1] + " bytes but Java has " + java.getClass().getSimpleName());
            } else if (wide ? java.longValue() != value : java.intValue() != (int) value) {
                mismatches.add(p[0] + ": " + java + " in Java, " + value + " in C");
            }
        }
        assertTrue(expected.isEmpty(), "gcc printed nothing for " + expected.keySet());
        if (!mismatches.isEmpty()) {
            fail("generated constants differ from gcc's:\n  " + String.join("\n  ", mismatches));
        }
    }

    private List<String> runProbe(List<String> headers, List<String> probes) throws Exception {
        StringBuilder c = new StringBuilder("#define _GNU_SOURCE\n");
        for (String h : headers) {
            c.append("#include <").append(h).append(">\n");
        }
        c.append("#include <stdio.h>\n#include <stddef.h>\nint main(void) {\n");
        for (String p : probes) {
            c.append("    ").append(p).append('\n');
        }
        c.append("    return 0;\n}\n");
        Path src = work.resolve("probe.c");
        Path exe = work.resolve("probe");
        Files.writeString(src, c);
        Process gcc = new ProcessBuilder("gcc", "-std=gnu11", "-o", exe.toString(), src.toString())
            .redirectErrorStream(true).start();
        String diagnostics = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(gcc.waitFor(120, TimeUnit.SECONDS), "gcc timed out");
        if (gcc.exitValue() != 0) {
            fail("gcc rejects the probe, so a generated name is not C's:\n" + diagnostics);
        }
        Process run = new ProcessBuilder(exe.toString()).redirectErrorStream(true).start();
        String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(run.waitFor(60, TimeUnit.SECONDS), "probe timed out");
        assertEquals(0, run.exitValue(), "probe failed: " + out);
        return out.lines().toList();
    }

    /** The top-level classes of a generated package, found where the compiled kvm_h lives. */
    private static List<Class<?>> generatedClasses(String pkg) throws IOException, URISyntaxException {
        Path root = Path.of(kvm_h.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path dir = root.resolve("dev/jvmm/bindings/" + pkg);
        List<Class<?>> classes = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String file = f.getFileName().toString();
                if (file.endsWith(".class") && !file.contains("$") && !file.equals("package-info.class")) {
                    try {
                        classes.add(Class.forName("dev.jvmm.bindings." + pkg + "." + file.replace(".class", ""), false,
                            GeneratedLayoutTest.class.getClassLoader()));
                    } catch (ClassNotFoundException e) {
                        throw new AssertionError(e);
                    }
                }
            }
        }
        return classes;
    }

    private static boolean succeeds(List<String> command, String stdin) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
