package dev.jvmm.devices.virtio.net;

import static dev.jvmm.devices.virtio.net.NetFeatures.VIRTIO_NET_F_CSUM;
import static dev.jvmm.devices.virtio.net.NetFeatures.VIRTIO_NET_F_GUEST_CSUM;
import static dev.jvmm.devices.virtio.net.NetFeatures.VIRTIO_NET_F_GUEST_ECN;
import static dev.jvmm.devices.virtio.net.NetFeatures.VIRTIO_NET_F_GUEST_TSO4;
import static dev.jvmm.devices.virtio.net.NetFeatures.VIRTIO_NET_F_GUEST_TSO6;
import static dev.jvmm.devices.virtio.net.NetFeatures.VIRTIO_NET_F_GUEST_UFO;
import static dev.jvmm.devices.virtio.net.NetFeatures.VIRTIO_NET_F_HOST_ECN;
import static dev.jvmm.devices.virtio.net.NetFeatures.VIRTIO_NET_F_HOST_TSO4;
import static dev.jvmm.devices.virtio.net.NetFeatures.VIRTIO_NET_F_HOST_TSO6;
import static dev.jvmm.devices.virtio.net.NetFeatures.VIRTIO_NET_F_HOST_UFO;

/**
 * {@code struct virtio_net_hdr_v1} (virtio 1.2 §5.1.6), the 12 bytes in front of every frame: flags, gso_type,
 * hdr_len, gso_size, csum_start, csum_offset, num_buffers, little-endian. The device checks a copy of the header in
 * a {@code byte[]} against the negotiated features, in both directions, and forwards that copy rather than the
 * guest's memory, so the guest cannot change it after the check.
 */
public final class VirtioNetHeader {
    /** Size with num_buffers, which a VIRTIO_F_VERSION_1 device always has (§5.1.6). */
    public static final int BYTES = 12;
    public static final int VIRTIO_NET_HDR_F_NEEDS_CSUM = 1;
    public static final int VIRTIO_NET_HDR_F_DATA_VALID = 2;
    public static final int VIRTIO_NET_HDR_F_RSC_INFO = 4;
    public static final int VIRTIO_NET_HDR_GSO_NONE = 0;
    public static final int VIRTIO_NET_HDR_GSO_TCPV4 = 1;
    public static final int VIRTIO_NET_HDR_GSO_UDP = 3;
    public static final int VIRTIO_NET_HDR_GSO_TCPV6 = 4;
    public static final int VIRTIO_NET_HDR_GSO_ECN = 0x80;

    static final int FLAGS = 0;
    static final int GSO_TYPE = 1;
    static final int GSO_SIZE = 4;
    static final int CSUM_START = 6;
    static final int CSUM_OFFSET = 8;
    static final int NUM_BUFFERS = 10;

    private VirtioNetHeader() { }

    /**
     * Checks the header of a transmitted frame of {@code frameLength} bytes against the features the driver
     * accepted (§5.1.6.2.1) and clears what the device must ignore (§5.1.6.2.2: unknown flag bits; num_buffers).
     * Returns false when the frame must be dropped: a partial checksum without VIRTIO_NET_F_CSUM or whose checksum
     * field lies outside the frame, or a GSO type that is unknown, lacks its HOST_* feature or has no gso_size.
     */
    static boolean checkTransmit(byte[] header, long acked, long frameLength) {
        int flags = header[FLAGS] & VIRTIO_NET_HDR_F_NEEDS_CSUM;
        if (flags != 0 && ((acked & VIRTIO_NET_F_CSUM) == 0
                || u16(header, CSUM_START) + u16(header, CSUM_OFFSET) + 2 > frameLength)) {
            return false;
        }
        int gsoType = header[GSO_TYPE] & 0xff;
        if (!gsoAllowed(gsoType, acked, VIRTIO_NET_F_HOST_TSO4, VIRTIO_NET_F_HOST_TSO6, VIRTIO_NET_F_HOST_UFO,
                VIRTIO_NET_F_HOST_ECN) || gsoType != VIRTIO_NET_HDR_GSO_NONE && u16(header, GSO_SIZE) == 0) {
            return false;
        }
        header[FLAGS] = (byte) flags;
        header[NUM_BUFFERS] = 0;
        header[NUM_BUFFERS + 1] = 0;
        return true;
    }

    /**
     * Fits a header the backend produced to what the driver accepted (§5.1.6.4.1): flags zero without
     * VIRTIO_NET_F_GUEST_CSUM, num_buffers 1 (one chain per frame, no VIRTIO_NET_F_MRG_RXBUF). Returns false when the
     * frame carries a GSO type the driver cannot take, which a backend with only the driver's offloads never sends.
     */
    static boolean fitReceive(byte[] header, long acked) {
        if (!gsoAllowed(header[GSO_TYPE] & 0xff, acked, VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_GUEST_TSO6,
                VIRTIO_NET_F_GUEST_UFO, VIRTIO_NET_F_GUEST_ECN)) {
            return false;
        }
        if ((acked & VIRTIO_NET_F_GUEST_CSUM) == 0) {
            header[FLAGS] = 0;
        }
        header[NUM_BUFFERS] = 1;
        header[NUM_BUFFERS + 1] = 0;
        return true;
    }

    private static int u16(byte[] header, int offset) {
        return (header[offset] & 0xff) | (header[offset + 1] & 0xff) << 8;
    }

    private static boolean gsoAllowed(int gsoType, long acked, long tso4, long tso6, long ufo, long ecn) {
        if ((gsoType & VIRTIO_NET_HDR_GSO_ECN) != 0 && (acked & ecn) == 0) {
            return false;
        }
        return switch (gsoType & ~VIRTIO_NET_HDR_GSO_ECN) {
            case VIRTIO_NET_HDR_GSO_NONE -> (gsoType & VIRTIO_NET_HDR_GSO_ECN) == 0;
            case VIRTIO_NET_HDR_GSO_TCPV4 -> (acked & tso4) != 0;
            case VIRTIO_NET_HDR_GSO_TCPV6 -> (acked & tso6) != 0;
            case VIRTIO_NET_HDR_GSO_UDP -> (acked & ufo) != 0;
            default -> false;
        };
    }
}
