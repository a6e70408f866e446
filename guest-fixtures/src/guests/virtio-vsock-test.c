/*
 * virtio-vsock test guest (virtio 1.2 §5.10): a stream connection to host CID 2 port 5000 ("JVMM-VSOCK-PING",
 * expects "JVMM-VSOCK-PONG"), then one the host opens to port 1234 ("JVMM-HOST-HELLO" in, "JVMM-GUEST-HELLO"
 * out). Packets are handled one at a time as they arrive, so the order the host chooses does not matter.
 */
#include "virtio-guest.h"

#define RXQ 0
#define TXQ 1
#define EVENTQ 2
#define VMADDR_CID_HOST 2
#define HOST_PORT 5000
#define LISTEN_PORT 1234
#define LOCAL_PORT 49152 /* source port of the connection to the host */

#define VIRTIO_VSOCK_TYPE_STREAM 1
#define VIRTIO_VSOCK_OP_REQUEST 1
#define VIRTIO_VSOCK_OP_RESPONSE 2
#define VIRTIO_VSOCK_OP_RST 3
#define VIRTIO_VSOCK_OP_SHUTDOWN 4
#define VIRTIO_VSOCK_OP_RW 5
#define VIRTIO_VSOCK_OP_CREDIT_UPDATE 6
#define VIRTIO_VSOCK_OP_CREDIT_REQUEST 7
#define VIRTIO_VSOCK_SHUTDOWN_RCV 1
#define VIRTIO_VSOCK_SHUTDOWN_SEND 2
#define SHUTDOWN_BOTH (VIRTIO_VSOCK_SHUTDOWN_RCV | VIRTIO_VSOCK_SHUTDOWN_SEND)

/* Received bytes are consumed at once, so the whole of buf_alloc is always free (Buffer Space Management). */
#define BUF_ALLOC 4096
#define RX_BUFFERS 4
#define RX_BUFFER_SIZE 512
#define EVENT_BUFFERS 2
#define MESSAGE_BYTES 15 /* every message the host sends here: "JVMM-VSOCK-PONG", "JVMM-HOST-HELLO" */

const char guest_name[] = "virtio-vsock";

struct virtio_vsock_hdr {
    u64 src_cid;
    u64 dst_cid;
    u32 src_port;
    u32 dst_port;
    u32 len;
    u16 type;
    u16 op;
    u32 flags;
    u32 buf_alloc;
    u32 fwd_cnt;
} __attribute__((packed));

enum state { CLOSED, LISTEN, CONNECTING, CONNECTED, CLOSING };

struct connection {
    enum state state;
    int refused;
    u32 local_port;
    u32 peer_port;
    u32 peer_shutdown;
    u32 peer_buf_alloc;
    u32 peer_fwd_cnt;
    u32 tx_cnt;
    u32 tx_pending; /* bytes of the message waiting for credit */
    u32 fwd_cnt;
    u32 rx_len;
    u8 rx[MESSAGE_BYTES];
};

static const char ping[] = "JVMM-VSOCK-PING";
static const char pong[] = "JVMM-VSOCK-PONG";
static const char host_hello[] = "JVMM-HOST-HELLO";
static const char guest_hello[] = "JVMM-GUEST-HELLO";

static struct virtio_dev dev;
static struct virtq rxq, txq, eventq;
static u64 guest_cid;
static struct virtio_vsock_hdr tx_hdr;
static u8 rx_buffers[RX_BUFFERS][RX_BUFFER_SIZE] __attribute__((aligned(8)));
static u8 rx_buffer_of_head[QUEUE_SIZE];
static u8 event_buffers[EVENT_BUFFERS][8] __attribute__((aligned(8)));
static struct connection outgoing, incoming;

/* One packet to the host: the header, then the payload in a descriptor of its own (as Linux sends them). */
static void transmit(u32 dst_port, u32 src_port, u16 op, u32 flags, u32 fwd_cnt, const void *payload, u32 len) {
    tx_hdr = (struct virtio_vsock_hdr) {
        .src_cid = guest_cid, .dst_cid = VMADDR_CID_HOST, .src_port = src_port, .dst_port = dst_port,
        .len = len, .type = VIRTIO_VSOCK_TYPE_STREAM, .op = op, .flags = flags, .buf_alloc = BUF_ALLOC,
        .fwd_cnt = fwd_cnt,
    };
    struct vbuf bufs[2] = {{&tx_hdr, sizeof(tx_hdr), 0}, {payload, len, 0}};
    virtq_add(&txq, bufs, len ? 2 : 1);
    virtq_kick(&txq);
    u32 used;
    if (virtq_wait(&txq, &used, deadline_after(WAIT_TICKS)) < 0) {
        fail_with("transmit timeout, op", op);
    }
}

static void send(struct connection *c, u16 op, u32 flags, const void *payload, u32 len) {
    transmit(c->peer_port, c->local_port, op, flags, c->fwd_cnt, payload, len);
    c->tx_cnt += len;
}

static void post_rx_buffer(u8 index) {
    struct vbuf buf = {rx_buffers[index], RX_BUFFER_SIZE, 1};
    rx_buffer_of_head[virtq_add(&rxq, &buf, 1)] = index;
}

static struct connection *connection_of(const struct virtio_vsock_hdr *h) {
    struct connection *all[] = {&outgoing, &incoming};
    for (u32 i = 0; i < ARRAY_SIZE(all); i++) {
        struct connection *c = all[i];
        if (c->state >= CONNECTING && c->local_port == h->dst_port && c->peer_port == h->src_port) {
            return c;
        }
    }
    return 0;
}

/* Stream Sockets (§5.10.6): what one packet from the host does to the connection it belongs to. */
static void handle(const struct virtio_vsock_hdr *h, const u8 *payload) {
    struct connection *c = connection_of(h);
    if (!c && h->op == VIRTIO_VSOCK_OP_REQUEST && h->dst_port == LISTEN_PORT && incoming.state == LISTEN) {
        c = &incoming;
        c->state = CONNECTED;
        c->peer_port = h->src_port;
        c->peer_buf_alloc = h->buf_alloc;
        c->peer_fwd_cnt = h->fwd_cnt;
        send(c, VIRTIO_VSOCK_OP_RESPONSE, 0, 0, 0);
        return;
    }
    if (!c) {
        /* Nothing here listens or is connected there: refuse, unless it is itself a reset. */
        if (h->op != VIRTIO_VSOCK_OP_RST) {
            transmit(h->src_port, h->dst_port, VIRTIO_VSOCK_OP_RST, 0, 0, 0, 0);
        }
        return;
    }
    c->peer_buf_alloc = h->buf_alloc;
    c->peer_fwd_cnt = h->fwd_cnt;
    switch (h->op) {
    case VIRTIO_VSOCK_OP_RESPONSE:
        if (c->state != CONNECTING) {
            fail("RESPONSE on an established connection");
        }
        c->state = CONNECTED;
        break;
    case VIRTIO_VSOCK_OP_RW:
        for (u32 i = 0; i < h->len && c->rx_len < MESSAGE_BYTES; i++) {
            c->rx[c->rx_len++] = payload[i];
        }
        c->fwd_cnt += h->len;
        break;
    case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
        send(c, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 0, 0, 0);
        break;
    case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
        break;
    case VIRTIO_VSOCK_OP_SHUTDOWN:
        c->peer_shutdown |= h->flags & SHUTDOWN_BOTH;
        /* Both directions shut on both sides: the connection ends with our RST. */
        if (c->peer_shutdown == SHUTDOWN_BOTH || c->state == CLOSING) {
            send(c, VIRTIO_VSOCK_OP_RST, 0, 0, 0);
            c->state = CLOSED;
        }
        break;
    case VIRTIO_VSOCK_OP_RST:
        c->refused = c->state == CONNECTING;
        c->state = CLOSED;
        break;
    default:
        send(c, VIRTIO_VSOCK_OP_RST, 0, 0, 0);
        c->state = CLOSED;
        break;
    }
}

/* Handles the next packet from the device; 0 if none came before deadline. */
static int receive(u64 deadline) {
    u32 len;
    int head = virtq_wait(&rxq, &len, deadline);
    if (head < 0) {
        return 0;
    }
    u8 index = rx_buffer_of_head[head];
    const struct virtio_vsock_hdr *h = (const struct virtio_vsock_hdr *) rx_buffers[index];
    if (len < sizeof(*h) || len > RX_BUFFER_SIZE || h->len > len - sizeof(*h)) {
        fail_with("malformed packet from the device, used length", len);
    }
    if (h->type != VIRTIO_VSOCK_TYPE_STREAM || h->dst_cid != guest_cid || h->src_cid != VMADDR_CID_HOST) {
        fail("packet that is not a stream packet from the host to this guest");
    }
    handle(h, rx_buffers[index] + sizeof(*h));
    post_rx_buffer(index);
    virtq_kick(&rxq);
    return 1;
}

typedef int (*condition)(const struct connection *c);

static void wait_for(condition done, const struct connection *c, const char *reason) {
    u64 deadline = deadline_after(WAIT_TICKS);
    while (!done(c)) {
        if (!receive(deadline)) {
            fail(reason);
        }
    }
}

static int not_connecting(const struct connection *c) {
    return c->state != CONNECTING;
}

static int not_listening(const struct connection *c) {
    return c->state != LISTEN;
}

static int has_message_or_closed(const struct connection *c) {
    return c->rx_len == MESSAGE_BYTES || c->state == CLOSED;
}

static int has_credit(const struct connection *c) {
    return c->peer_buf_alloc - (c->tx_cnt - c->peer_fwd_cnt) >= c->tx_pending || c->state == CLOSED;
}

static void expect_message(struct connection *c, const char *expected, const char *reason) {
    wait_for(has_message_or_closed, c, reason);
    if (c->rx_len != MESSAGE_BYTES || memcmp(c->rx, expected, MESSAGE_BYTES) != 0) {
        fail(reason);
    }
}

/* Buffer Space Management: never more than the peer's buf_alloc in flight; ask for an update if needed. */
static void send_message(struct connection *c, const char *message, u32 len) {
    c->tx_pending = len;
    if (!has_credit(c)) {
        send(c, VIRTIO_VSOCK_OP_CREDIT_REQUEST, 0, 0, 0);
        wait_for(has_credit, c, "no credit from the host");
    }
    if (c->state != CONNECTED || (c->peer_shutdown & VIRTIO_VSOCK_SHUTDOWN_RCV)) {
        fail("host closed the connection before the guest's message");
    }
    send(c, VIRTIO_VSOCK_OP_RW, 0, message, len);
}

static void shut_down(struct connection *c) {
    if (c->state == CONNECTED) {
        send(c, VIRTIO_VSOCK_OP_SHUTDOWN, SHUTDOWN_BOTH, 0, 0);
        c->state = CLOSING;
    }
}

void guest_main(void) {
    if (!virtio_find(VIRTIO_ID_VSOCK, &dev)) {
        fail("no device");
    }
    virtio_negotiate(&dev);
    guest_cid = virtio_config64(&dev, 0); /* struct virtio_vsock_config.guest_cid */
    say("cid ");
    put_dec(guest_cid);
    end_line();
    virtq_setup(&dev, &rxq, RXQ);
    virtq_setup(&dev, &txq, TXQ);
    virtq_setup(&dev, &eventq, EVENTQ);
    virtio_driver_ok(&dev);
    /* §5.10.5: event buffers first, then receive buffers. */
    for (u8 i = 0; i < EVENT_BUFFERS; i++) {
        struct vbuf buf = {event_buffers[i], sizeof(event_buffers[i]), 1};
        virtq_add(&eventq, &buf, 1);
    }
    virtq_kick(&eventq);
    for (u8 i = 0; i < RX_BUFFERS; i++) {
        post_rx_buffer(i);
    }
    virtq_kick(&rxq);
    incoming.state = LISTEN;
    incoming.local_port = LISTEN_PORT;

    outgoing.state = CONNECTING;
    outgoing.local_port = LOCAL_PORT;
    outgoing.peer_port = HOST_PORT;
    send(&outgoing, VIRTIO_VSOCK_OP_REQUEST, 0, 0, 0);
    wait_for(not_connecting, &outgoing, "no answer to the connection request to port 5000");
    if (outgoing.state != CONNECTED) {
        fail(outgoing.refused ? "host refused port 5000" : "connection to port 5000 closed");
    }
    send_message(&outgoing, ping, sizeof(ping) - 1);
    expect_message(&outgoing, pong, "no JVMM-VSOCK-PONG from port 5000");
    say("guest->host ok");
    end_line();
    shut_down(&outgoing);

    wait_for(not_listening, &incoming, "no connection to port 1234");
    expect_message(&incoming, host_hello, "no JVMM-HOST-HELLO on port 1234");
    send_message(&incoming, guest_hello, sizeof(guest_hello) - 1);
    say("host->guest ok");
    end_line();
    shut_down(&incoming);

    /* Give the host a moment to finish both closes (its RSTs); the test has passed either way. */
    u64 deadline = deadline_after(WAIT_TICKS / 8);
    while ((outgoing.state != CLOSED || incoming.state != CLOSED) && receive(deadline)) {
    }
    pass();
}
