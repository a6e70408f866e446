package dev.jvmm.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.jvmm.bindings.libc.libc_h;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** errno values the VMM tests for, and their names and descriptions as glibc gives them. */
public final class Errno {

    public static final int EPERM = libc_h.EPERM();
    public static final int ENOENT = libc_h.ENOENT();
    public static final int EINTR = libc_h.EINTR();
    public static final int EIO = libc_h.EIO();
    public static final int ENXIO = libc_h.ENXIO();
    public static final int EAGAIN = libc_h.EAGAIN();
    public static final int ENOMEM = libc_h.ENOMEM();
    public static final int EACCES = libc_h.EACCES();
    public static final int EFAULT = libc_h.EFAULT();
    public static final int EBUSY = libc_h.EBUSY();
    public static final int EEXIST = libc_h.EEXIST();
    public static final int ENODEV = libc_h.ENODEV();
    public static final int EINVAL = libc_h.EINVAL();
    public static final int ENOTTY = libc_h.ENOTTY();
    public static final int ENOSPC = libc_h.ENOSPC();
    public static final int E2BIG = libc_h.E2BIG();
    public static final int EOPNOTSUPP = libc_h.EOPNOTSUPP();

    // Holders, as in Libc: code that only compares with the constants above (Vcpu.run, the CPUID probe) links no
    // handle; a boot links these when it first names or describes an errno, which a boot that fails nothing never does.
    private static final class StrerrornameNp {
        static final MethodHandle HANDLE = NativeCalls.optional("strerrorname_np",
            FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }
    private static final class Strerror {
        static final MethodHandle HANDLE = NativeCalls.required("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    private Errno() {}

    /** The symbolic name, e.g. {@code EINTR}; {@code errno 1234} for a value glibc does not know. */
    public static String name(int errno) {
        if (StrerrornameNp.HANDLE != null) {
            String name = NativeCalls.string(invoke(StrerrornameNp.HANDLE, errno));
            if (name != null) {
                return name;
            }
        }
        return "errno " + errno;
    }

    /** The strerror text, e.g. {@code Interrupted system call}. */
    public static String describe(int errno) {
        String text = NativeCalls.string(invoke(Strerror.HANDLE, errno));
        return text == null ? "errno " + errno : text;
    }

    private static MemorySegment invoke(MethodHandle handle, int errno) {
        try {
            return (MemorySegment) handle.invokeExact(errno);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
