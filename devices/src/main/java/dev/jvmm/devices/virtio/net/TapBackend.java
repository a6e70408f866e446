package dev.jvmm.devices.virtio.net;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.jvmm.bindings.libc.ifreq;
import dev.jvmm.bindings.libc.libc_h;
import dev.jvmm.sys.Errno;
import dev.jvmm.sys.IoVectors;
import dev.jvmm.sys.Libc;
import dev.jvmm.sys.SyscallException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * A TAP interface (Documentation/networking/tuntap.rst) as a {@link NetBackend}: {@code /dev/net/tun} opened
 * non-blocking and attached with TUNSETIFF to the named interface, created if absent (that needs CAP_NET_ADMIN;
 * a persistent TAP made beforehand with {@code ip tuntap add ... user U} does not). IFF_NO_PI leaves Ethernet frames
 * bare and IFF_VNET_HDR with TUNSETVNETHDRSZ 12 puts a {@code virtio_net_hdr_v1} in front of each, so frames move
 * between the TAP and guest buffers with one readv/writev (a small transmitted frame the device copies first, see
 * {@code Transmitter#COPY_LIMIT}).
 *
 * <p>Opening probes which TUN_F_* offloads the kernel knows and then turns all of them off: the TAP delivers
 * checksum-less or GSO frames only after {@link #setOffloads} with what the driver accepted.
 */
public final class TapBackend implements NetBackend {
    private static final String TUN_DEVICE = "/dev/net/tun";
    private static final int IFNAMSIZ = libc_h.IFNAMSIZ();

    private final int fd;
    private final String name;
    private final int supportedOffloads;
    private boolean closed;

    private TapBackend(int fd, String name, int supportedOffloads) {
        this.fd = fd;
        this.name = name;
        this.supportedOffloads = supportedOffloads;
    }

    /**
     * Opens the TAP interface {@code ifName}, creating it if absent. A name may end in {@code %d} to let the kernel
     * pick a free number; {@link #name()} tells the result.
     *
     * @throws IllegalArgumentException if {@code ifName} is not a valid interface name (empty, 16 bytes or more,
     *         {@code /}, {@code :} or white space)
     * @throws IOException naming the interface and the remedy when /dev/net/tun is missing or not accessible, the
     *         process may not create the interface, or the name belongs to something that is not a free TAP
     */
    public static TapBackend open(String ifName) throws IOException {
        byte[] nameBytes = checkName(ifName);
        int fd;
        try {
            fd = Libc.open(TUN_DEVICE, libc_h.O_RDWR() | libc_h.O_NONBLOCK());
        } catch (SyscallException e) {
            throw new IOException(openFailure(ifName, e.errno()), e);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifr = ifreq.allocate(arena);
            MemorySegment.copy(nameBytes, 0, ifreq.ifr_ifrn(ifr), JAVA_BYTE, 0, nameBytes.length);
            ifreq.ifr_ifru.ifru_flags(ifreq.ifr_ifru(ifr),
                    (short) (libc_h.IFF_TAP() | libc_h.IFF_NO_PI() | libc_h.IFF_VNET_HDR()));
            int r = Libc.ioctlNoThrow(fd, libc_h.TUNSETIFF(), ifr);
            if (r < 0) {
                throw new IOException(attachFailure(ifName, -r));
            }
            String actual = ifreq.ifr_ifrn(ifr).getString(0, StandardCharsets.UTF_8);
            MemorySegment headerSize = arena.allocateFrom(JAVA_INT, VirtioNetHeader.BYTES);
            Libc.ioctl(fd, libc_h.TUNSETVNETHDRSZ(), "TUNSETVNETHDRSZ", headerSize);
            int offloads = probeOffloads(fd);
            Libc.ioctl(fd, libc_h.TUNSETOFFLOAD(), "TUNSETOFFLOAD", 0L);
            return new TapBackend(fd, actual, offloads);
        } catch (IOException | RuntimeException e) {
            Libc.close(fd);
            if (e instanceof SyscallException s) {
                throw new IOException("TAP interface " + ifName + ": " + s.getMessage(), s);
            }
            throw e;
        }
    }

    /** Linux's dev_valid_name: 1 to IFNAMSIZ-1 bytes, not "." or "..", no '/', ':' or white space. */
    private static byte[] checkName(String ifName) {
        byte[] bytes = ifName.getBytes(StandardCharsets.UTF_8);
        boolean valid = bytes.length > 0 && bytes.length < IFNAMSIZ && !ifName.equals(".") && !ifName.equals("..")
                && ifName.chars().noneMatch(c -> c == '/' || c == ':' || c == 0 || Character.isWhitespace(c));
        if (!valid) {
            throw new IllegalArgumentException("TAP interface name \"" + ifName + "\" is not a valid interface name: "
                    + "use 1 to " + (IFNAMSIZ - 1) + " bytes without '/', ':' or spaces, e.g. tap0");
        }
        return bytes;
    }

    private static String openFailure(String ifName, int errno) {
        String what = "TAP interface " + ifName + ": cannot open " + TUN_DEVICE + " (" + Errno.name(errno) + "): ";
        if (errno == Errno.ENOENT || errno == Errno.ENODEV || errno == Errno.ENXIO) {
            return what + "the tun driver is missing; load it (modprobe tun) or create the node "
                    + "(mknod " + TUN_DEVICE + " c 10 200)";
        }
        if (errno == Errno.EACCES || errno == Errno.EPERM) {
            return what + "permission denied; run as root or give this user read-write access to " + TUN_DEVICE;
        }
        return what + Errno.describe(errno);
    }

    private static String attachFailure(String ifName, int errno) {
        String what = "TAP interface " + ifName + ": TUNSETIFF failed (" + Errno.name(errno) + "): ";
        if (errno == Errno.EPERM) {
            return what + "creating or attaching it needs CAP_NET_ADMIN; run as root, or create it for this user "
                    + "first: ip tuntap add dev " + ifName + " mode tap user $USER";
        }
        if (errno == Errno.EBUSY) {
            return what + "another process has it open; give each VM its own TAP";
        }
        if (errno == Errno.EINVAL) {
            return what + "an interface of that name exists and is not a single-queue TAP; pick another name or "
                    + "delete it (ip link del " + ifName + ")";
        }
        return what + Errno.describe(errno);
    }

    /** TUNSETOFFLOAD refuses bits its kernel does not know (EINVAL); each TSO/UFO bit needs TUN_F_CSUM with it. */
    private static int probeOffloads(int fd) {
        int csum = NetFeatures.TUN_F_CSUM;
        if (Libc.ioctlNoThrow(fd, libc_h.TUNSETOFFLOAD(), csum) != 0) {
            return 0;
        }
        int supported = csum;
        for (int flag : new int[] {NetFeatures.TUN_F_TSO4, NetFeatures.TUN_F_TSO6, NetFeatures.TUN_F_UFO}) {
            if (Libc.ioctlNoThrow(fd, libc_h.TUNSETOFFLOAD(), csum | flag) == 0) {
                supported |= flag;
            }
        }
        int tso = supported & (NetFeatures.TUN_F_TSO4 | NetFeatures.TUN_F_TSO6);
        if (tso != 0 && Libc.ioctlNoThrow(fd, libc_h.TUNSETOFFLOAD(), csum | tso | NetFeatures.TUN_F_TSO_ECN) == 0) {
            supported |= NetFeatures.TUN_F_TSO_ECN;
        }
        return supported;
    }

    @Override
    public String name() { return name; }

    @Override
    public int readyFd() { return fd; }

    @Override
    public int supportedOffloads() { return supportedOffloads; }

    @Override
    public void setOffloads(int offloads) {
        if ((offloads & ~supportedOffloads) != 0) {
            throw new IllegalArgumentException("TAP " + name + " does not support offloads 0x"
                    + Integer.toHexString(offloads & ~supportedOffloads));
        }
        Libc.ioctl(fd, libc_h.TUNSETOFFLOAD(), "TUNSETOFFLOAD", offloads);
    }

    @Override
    public long readFrame(IoVectors into) { return Libc.readvNoThrow(fd, into); }

    @Override
    public long writeFrame(IoVectors from) { return Libc.writevNoThrow(fd, from); }

    /** Closes the TAP fd; a TAP this process created (not persistent) disappears with it. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
        }
    }

    @Override
    public String toString() { return "TAP " + name; }
}
