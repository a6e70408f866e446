/*
 * virtio-net test guest (virtio 1.2 §5.1): broadcasts one frame of ethertype 0x88b5 carrying "JVMM-NET-PING"
 * from the device's MAC, then waits for a frame of that ethertype whose payload starts with "JVMM-NET-PONG".
 */
#include "virtio-guest.h"

#define VIRTIO_NET_F_MAC 5
#define RECEIVEQ 0
#define TRANSMITQ 1
#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_ZLEN 60 /* shortest frame without FCS; shorter ones are padded with zeros */
#define ETHERTYPE_JVMM 0x88b5
/* §5.1.6.3.1: without VIRTIO_NET_F_MRG_RXBUF or GSO, receive buffers of at least 1526 bytes. */
#define RX_BUFFERS 4
#define RX_BUFFER_SIZE 1536

const char guest_name[] = "virtio-net";

/* §5.1.6: with VIRTIO_F_VERSION_1 the header always has num_buffers: 12 bytes before every frame. */
struct virtio_net_hdr {
    u8 flags;
    u8 gso_type;
    u16 hdr_len;
    u16 gso_size;
    u16 csum_start;
    u16 csum_offset;
    u16 num_buffers;
};

struct packet {
    struct virtio_net_hdr hdr;
    u8 frame[];
};

static const char ping[] = "JVMM-NET-PING";
static const char pong[] = "JVMM-NET-PONG";

static struct virtio_dev dev;
static struct virtq receiveq, transmitq;
static u8 mac[ETH_ALEN];
static u8 tx_buffer[sizeof(struct virtio_net_hdr) + ETH_ZLEN] __attribute__((aligned(8)));
static u8 rx_buffers[RX_BUFFERS][RX_BUFFER_SIZE] __attribute__((aligned(8)));
static u8 rx_buffer_of_head[QUEUE_SIZE];

static void post_rx_buffer(u8 index) {
    struct vbuf buf = {rx_buffers[index], RX_BUFFER_SIZE, 1};
    rx_buffer_of_head[virtq_add(&receiveq, &buf, 1)] = index;
}

static void send_ping(void) {
    struct packet *p = (struct packet *) tx_buffer;
    u8 *frame = p->frame;
    memset(frame, 0xff, ETH_ALEN);
    memcpy(frame + ETH_ALEN, mac, ETH_ALEN);
    frame[12] = ETHERTYPE_JVMM >> 8;
    frame[13] = ETHERTYPE_JVMM & 0xff;
    memcpy(frame + ETH_HLEN, ping, sizeof(ping) - 1);
    struct vbuf buf = {tx_buffer, sizeof(tx_buffer), 0};
    virtq_add(&transmitq, &buf, 1);
    virtq_kick(&transmitq);
    u32 len;
    if (virtq_wait(&transmitq, &len, deadline_after(WAIT_TICKS)) < 0) {
        fail("transmit timeout");
    }
}

static int is_pong(const u8 *buffer, u32 len) {
    const u8 *frame = ((const struct packet *) buffer)->frame;
    return len >= sizeof(struct virtio_net_hdr) + ETH_HLEN + sizeof(pong) - 1 && len <= RX_BUFFER_SIZE
            && frame[12] == ETHERTYPE_JVMM >> 8 && frame[13] == (ETHERTYPE_JVMM & 0xff)
            && memcmp(frame + ETH_HLEN, pong, sizeof(pong) - 1) == 0;
}

void guest_main(void) {
    if (!virtio_find(VIRTIO_ID_NET, &dev)) {
        fail("no device");
    }
    virtio_negotiate(&dev);
    if (!virtio_offers(&dev, VIRTIO_NET_F_MAC)) {
        fail("device has no MAC (VIRTIO_NET_F_MAC not offered)");
    }
    for (u32 i = 0; i < ETH_ALEN; i++) {
        mac[i] = virtio_config8(&dev, i); /* struct virtio_net_config.mac */
    }
    virtq_setup(&dev, &receiveq, RECEIVEQ);
    virtq_setup(&dev, &transmitq, TRANSMITQ);
    virtio_driver_ok(&dev);
    for (u8 i = 0; i < RX_BUFFERS; i++) {
        post_rx_buffer(i);
    }
    virtq_kick(&receiveq);

    say("mac ");
    for (u32 i = 0; i < ETH_ALEN; i++) {
        if (i) {
            put_str(":");
        }
        put_hex(mac[i], 2);
    }
    end_line();
    send_ping();
    say("sent ping");
    end_line();

    /* Frames other than the pong (the host's own traffic) go back to the device until the deadline. */
    u64 deadline = deadline_after(WAIT_TICKS);
    for (;;) {
        u32 len;
        int head = virtq_wait(&receiveq, &len, deadline);
        if (head < 0) {
            fail("no pong");
        }
        u8 index = rx_buffer_of_head[head];
        if (is_pong(rx_buffers[index], len)) {
            say("received pong");
            end_line();
            pass();
        }
        post_rx_buffer(index);
        virtq_kick(&receiveq);
    }
}
