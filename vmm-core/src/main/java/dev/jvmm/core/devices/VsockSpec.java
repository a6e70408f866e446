package dev.jvmm.core.devices;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The virtio socket device (virtio 1.2 §5.10), its host side a Unix domain socket: {@code --vsock cid=N,socket=PATH}.
 *
 * @param guestCid the guest's context ID, 3 to 0xFFFFFFFE (0-2 are reserved: hypervisor, local, host; 0xFFFFFFFF is
 *                 VMADDR_CID_ANY)
 * @param socket   the Unix socket path on the host (at most 107 bytes, sockaddr_un.sun_path less the NUL)
 */
public record VsockSpec(long guestCid, Path socket) implements DeviceSpec {
    public static final long MIN_GUEST_CID = 3;
    public static final long MAX_GUEST_CID = 0xFFFF_FFFEL;
    /** sizeof(sockaddr_un.sun_path) less the NUL. */
    public static final int MAX_SOCKET_PATH_BYTES = 107;

    public VsockSpec {
        Objects.requireNonNull(socket, "socket");
        if (guestCid < MIN_GUEST_CID || guestCid > MAX_GUEST_CID) {
            throw new IllegalArgumentException("the guest CID " + guestCid + " is reserved or out of range: give "
                    + MIN_GUEST_CID + " to " + MAX_GUEST_CID);
        }
        int length = socket.toString().getBytes(StandardCharsets.UTF_8).length;
        if (length == 0 || length > MAX_SOCKET_PATH_BYTES) {
            throw new IllegalArgumentException("the socket path must be 1 to " + MAX_SOCKET_PATH_BYTES + " bytes, not "
                    + length);
        }
    }

    @Override
    public String option() { return "--vsock"; }

    @Override
    public String kind() { return "vsock"; }

    @Override
    public String describe() { return "--vsock cid=" + guestCid; }
}
