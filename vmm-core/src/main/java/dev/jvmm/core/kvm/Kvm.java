package dev.jvmm.core.kvm;

import static dev.jvmm.bindings.kvm.kvm_h.KVM_CHECK_EXTENSION;
import static dev.jvmm.bindings.kvm.kvm_h.KVM_CREATE_VM;
import static dev.jvmm.bindings.kvm.kvm_h.KVM_GET_API_VERSION;
import static dev.jvmm.bindings.kvm.kvm_h.KVM_GET_MSR_INDEX_LIST;
import static dev.jvmm.bindings.kvm.kvm_h.KVM_GET_SUPPORTED_CPUID;
import static dev.jvmm.bindings.kvm.kvm_h.KVM_GET_VCPU_MMAP_SIZE;

import dev.jvmm.bindings.kvm.kvm_cpuid2;
import dev.jvmm.bindings.kvm.kvm_cpuid_entry2;
import dev.jvmm.bindings.kvm.kvm_msr_list;
import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.core.x86.CpuidEntry;
import dev.jvmm.sys.Errno;
import dev.jvmm.sys.Libc;
import dev.jvmm.sys.SyscallException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** The KVM subsystem: an open {@code /dev/kvm}. One method per system ioctl (KVM API document §4). */
public final class Kvm implements AutoCloseable {
    public static final String DEVICE = "/dev/kvm";
    /** The only KVM API version there has ever been (KVM API §4.1). */
    public static final int API_VERSION = 12;

    private final int fd;

    private Kvm(int fd) {
        this.fd = fd;
    }

    /** Opens {@code /dev/kvm}; a host without usable KVM gets a {@link KvmUnavailableException} that says why. */
    public static Kvm open() {
        int fd;
        try {
            fd = Libc.open(DEVICE, libc_h.O_RDWR());
        } catch (SyscallException e) {
            throw new KvmUnavailableException(explainOpenFailure(e.errno()), e);
        }
        Kvm kvm = new Kvm(fd);
        int version = kvm.apiVersion();
        if (version != API_VERSION) {
            kvm.close();
            throw new KvmUnavailableException(DEVICE + " speaks KVM API " + version + ", jvmm needs "
                    + API_VERSION, null);
        }
        return kvm;
    }

    static String explainOpenFailure(int errno) {
        if (errno == Errno.ENOENT || errno == Errno.ENODEV || errno == Errno.ENXIO) {
            return DEVICE + " is not available on this host (" + Errno.name(errno)
                    + "): KVM is not loaded or not exposed here; run 'jvmm check'";
        }
        if (errno == Errno.EACCES || errno == Errno.EPERM) {
            return DEVICE + " is not accessible (" + Errno.name(errno)
                    + "): add your user to the 'kvm' group or run as root";
        }
        return "cannot open " + DEVICE + ": " + Errno.name(errno) + " (" + Errno.describe(errno) + ")";
    }

    /** KVM_GET_API_VERSION. */
    public int apiVersion() {
        return Libc.ioctl(fd, KVM_GET_API_VERSION(), "KVM_GET_API_VERSION");
    }

    /** KVM_CHECK_EXTENSION: 0 when the capability is absent, else a capability-specific positive value. */
    public int checkExtension(int capability) {
        return Libc.ioctl(fd, KVM_CHECK_EXTENSION(), "KVM_CHECK_EXTENSION", capability);
    }

    /** KVM_GET_VCPU_MMAP_SIZE: bytes to map from a vCPU fd for its {@code kvm_run}. */
    public int vcpuMmapSize() {
        return Libc.ioctl(fd, KVM_GET_VCPU_MMAP_SIZE(), "KVM_GET_VCPU_MMAP_SIZE");
    }

    /** KVM_GET_SUPPORTED_CPUID: the CPUID leaves KVM can present to a guest on this host. */
    public List<CpuidEntry> supportedCpuid() {
        for (int capacity = 128; capacity <= 4096; capacity *= 2) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment cpuid = arena.allocate(kvm_cpuid2.sizeof() + capacity * kvm_cpuid_entry2.sizeof(), 8);
                kvm_cpuid2.nent(cpuid, capacity);
                int r = Libc.ioctlNoThrow(fd, KVM_GET_SUPPORTED_CPUID(), cpuid);
                if (r == -Errno.E2BIG) {
                    continue;
                }
                if (r < 0) {
                    throw new SyscallException("ioctl", "KVM_GET_SUPPORTED_CPUID", -r);
                }
                return CpuidEntries.read(cpuid);
            }
        }
        throw new SyscallException("ioctl", "KVM_GET_SUPPORTED_CPUID", Errno.E2BIG);
    }

    /**
     * KVM_GET_MSR_INDEX_LIST: the MSRs that KVM_GET_MSRS and KVM_SET_MSRS handle for guests on this host (KVM API
     * §4.3). A first call with room for none learns the count (E2BIG), a second fetches the list.
     */
    public int[] msrIndexList() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment probe = arena.allocate(kvm_msr_list.sizeof(), 4);
            int r = Libc.ioctlNoThrow(fd, KVM_GET_MSR_INDEX_LIST(), probe);
            if (r < 0 && r != -Errno.E2BIG) {
                throw new SyscallException("ioctl", "KVM_GET_MSR_INDEX_LIST", -r);
            }
            int count = kvm_msr_list.nmsrs(probe);
            MemorySegment list = arena.allocate(kvm_msr_list.sizeof() + 4L * count, 4);
            kvm_msr_list.nmsrs(list, count);
            Libc.ioctl(fd, KVM_GET_MSR_INDEX_LIST(), "KVM_GET_MSR_INDEX_LIST", list);
            return msrIndices(list);
        }
    }

    /** The indices of a filled {@code struct kvm_msr_list}. */
    static int[] msrIndices(MemorySegment list) {
        int count = kvm_msr_list.nmsrs(list);
        if (count < 0 || kvm_msr_list.sizeof() + 4L * count > list.byteSize()) {
            throw new IllegalArgumentException("kvm_msr_list of " + list.byteSize() + " bytes cannot hold "
                    + Integer.toUnsignedString(count) + " indices");
        }
        int[] indices = new int[count];
        for (int i = 0; i < count; i++) {
            indices[i] = kvm_msr_list.indices(list, i);
        }
        return indices;
    }

    /** KVM_CREATE_VM with the default machine type. */
    public Vm createVm() {
        int vmFd = Libc.ioctl(fd, KVM_CREATE_VM(), "KVM_CREATE_VM", 0L);
        return new Vm(this, vmFd);
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
