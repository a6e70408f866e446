package dev.jvmm.devices.virtio.net;

import dev.jvmm.bindings.libc.libc_h;

/**
 * Feature bits of the network device (virtio 1.2 §5.1.3) as masks, and how the offload features map onto a
 * backend's TUN_F_* offloads. A GUEST_* feature means the backend may hand the guest frames with a partial checksum
 * or a GSO header, so it is offered only when the backend can turn that offload on (TUNSETOFFLOAD); the matching
 * HOST_* feature, frames from the guest that the backend finishes, is offered on the same condition, because a
 * kernel whose tun driver knows an offload for one direction accepts it in the other (virtio_net_hdr_to_skb).
 */
public final class NetFeatures {
    public static final long VIRTIO_NET_F_CSUM = 1L << 0;
    public static final long VIRTIO_NET_F_GUEST_CSUM = 1L << 1;
    public static final long VIRTIO_NET_F_MTU = 1L << 3;
    public static final long VIRTIO_NET_F_MAC = 1L << 5;
    public static final long VIRTIO_NET_F_GUEST_TSO4 = 1L << 7;
    public static final long VIRTIO_NET_F_GUEST_TSO6 = 1L << 8;
    public static final long VIRTIO_NET_F_GUEST_ECN = 1L << 9;
    public static final long VIRTIO_NET_F_GUEST_UFO = 1L << 10;
    public static final long VIRTIO_NET_F_HOST_TSO4 = 1L << 11;
    public static final long VIRTIO_NET_F_HOST_TSO6 = 1L << 12;
    public static final long VIRTIO_NET_F_HOST_ECN = 1L << 13;
    public static final long VIRTIO_NET_F_HOST_UFO = 1L << 14;
    public static final long VIRTIO_NET_F_MRG_RXBUF = 1L << 15;
    public static final long VIRTIO_NET_F_STATUS = 1L << 16;
    public static final long VIRTIO_NET_F_CTRL_VQ = 1L << 17;
    public static final long VIRTIO_NET_F_MQ = 1L << 22;

    public static final int TUN_F_CSUM = libc_h.TUN_F_CSUM();
    public static final int TUN_F_TSO4 = libc_h.TUN_F_TSO4();
    public static final int TUN_F_TSO6 = libc_h.TUN_F_TSO6();
    public static final int TUN_F_TSO_ECN = libc_h.TUN_F_TSO_ECN();
    public static final int TUN_F_UFO = libc_h.TUN_F_UFO();

    private NetFeatures() { }

    /**
     * The offload features to offer over a backend that supports {@code offloads}, closed under the dependencies
     * of §5.1.3.1 (TSO, UFO need their direction's checksum feature; ECN needs a TSO feature).
     */
    public static long offered(int offloads) {
        if ((offloads & TUN_F_CSUM) == 0) {
            return 0;
        }
        long features = VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM;
        if ((offloads & TUN_F_TSO4) != 0) {
            features |= VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_HOST_TSO4;
        }
        if ((offloads & TUN_F_TSO6) != 0) {
            features |= VIRTIO_NET_F_GUEST_TSO6 | VIRTIO_NET_F_HOST_TSO6;
        }
        if ((offloads & TUN_F_TSO_ECN) != 0 && (offloads & (TUN_F_TSO4 | TUN_F_TSO6)) != 0) {
            features |= VIRTIO_NET_F_GUEST_ECN | VIRTIO_NET_F_HOST_ECN;
        }
        if ((offloads & TUN_F_UFO) != 0) {
            features |= VIRTIO_NET_F_GUEST_UFO | VIRTIO_NET_F_HOST_UFO;
        }
        return features;
    }

    /**
     * The TUN_F_* offloads to turn on for a driver that accepted {@code acked}: what it can receive, and only where
     * the feature it depends on was accepted too (a driver that broke §5.1.3.1 gets the safer, smaller set).
     */
    public static int backendOffloads(long acked) {
        if ((acked & VIRTIO_NET_F_GUEST_CSUM) == 0) {
            return 0;
        }
        int offloads = TUN_F_CSUM;
        if ((acked & VIRTIO_NET_F_GUEST_TSO4) != 0) {
            offloads |= TUN_F_TSO4;
        }
        if ((acked & VIRTIO_NET_F_GUEST_TSO6) != 0) {
            offloads |= TUN_F_TSO6;
        }
        if ((acked & VIRTIO_NET_F_GUEST_ECN) != 0 && (offloads & (TUN_F_TSO4 | TUN_F_TSO6)) != 0) {
            offloads |= TUN_F_TSO_ECN;
        }
        if ((acked & VIRTIO_NET_F_GUEST_UFO) != 0) {
            offloads |= TUN_F_UFO;
        }
        return offloads;
    }
}
