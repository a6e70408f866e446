/*
 * What the freestanding virtio test guests share: COM1 output, bounded waits, the virtio-mmio transport
 * (virtio 1.2 §4.2) and split virtqueues (§2.7). Polling only: the guests run with interrupts off.
 * Guest-physical addresses equal pointers: the guests run on an identity map of the first 4 GiB.
 */
#ifndef VIRTIO_GUEST_H
#define VIRTIO_GUEST_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Each guest defines its line prefix, e.g. "virtio-blk", and guest_main(), which virtio-entry.S calls. */
extern const char guest_name[];
__attribute__((noreturn)) void guest_main(void);

void *memset(void *dst, int c, unsigned long n);
void *memcpy(void *dst, const void *src, unsigned long n);
int memcmp(const void *a, const void *b, unsigned long n);

/* A line is begun with say(), continued with put_*() and ended with end_line(). */
void say(const char *text);
void put_str(const char *s);
void put_dec(u64 value);
void put_hex(u64 value, int digits);
void put_ascii(const void *bytes, u32 n);
void end_line(void);
/* "<guest_name>: PASS" or "<guest_name>: FAIL <reason>", then the i8042 reset that ends the VM. */
__attribute__((noreturn)) void pass(void);
__attribute__((noreturn)) void fail(const char *reason);
/* "<guest_name>: FAIL <reason> <number>" (decimal), then the reset. */
__attribute__((noreturn)) void fail_with(const char *reason, u64 number);

/* Waits are bounded in TSC ticks, so they take seconds whether instructions run natively or emulated. */
#define WAIT_TICKS (1UL << 34)  /* >= 3 s at any TSC rate up to 5 GHz */
u64 deadline_after(u64 ticks);
int expired(u64 deadline);

#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_ENTROPY 4
#define VIRTIO_ID_VSOCK 19

struct virtio_dev {
    u64 base;
    u64 device_features;
};

/* Scans jvmm's windows, then QEMU microvm's, for a version 2 device of this ID; 0 if none is there. */
int virtio_find(u32 device_id, struct virtio_dev *dev);
/* §3.1.1 steps 1-6: reset, ACKNOWLEDGE, DRIVER, accept VIRTIO_F_VERSION_1 only, FEATURES_OK. Fails the guest. */
void virtio_negotiate(struct virtio_dev *dev);
/* §3.1.1 step 8, once the queues are set up. */
void virtio_driver_ok(struct virtio_dev *dev);
int virtio_offers(const struct virtio_dev *dev, unsigned bit);
u8 virtio_config8(const struct virtio_dev *dev, u32 offset);
u64 virtio_config64(const struct virtio_dev *dev, u32 offset);

#define QUEUE_SIZE 8

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2

struct virtq_desc {
    u64 addr;
    u32 len;
    u16 flags;
    u16 next;
};

struct virtq_avail {
    u16 flags;
    u16 idx;
    u16 ring[QUEUE_SIZE];
    u16 used_event;
};

struct virtq_used_elem {
    u32 id;
    u32 len;
};

struct virtq_used {
    u16 flags;
    u16 idx;
    struct virtq_used_elem ring[QUEUE_SIZE];
    u16 avail_event;
};

/* §2.7: descriptor table 16-byte, available ring 2-byte, used ring 4-byte aligned. */
struct virtq {
    struct virtq_desc desc[QUEUE_SIZE] __attribute__((aligned(16)));
    struct virtq_avail avail __attribute__((aligned(4)));
    struct virtq_used used __attribute__((aligned(4)));
    const struct virtio_dev *dev;
    u16 index;
    u16 free_head;
    u16 num_free;
    u16 last_used;
    u8 chain_length[QUEUE_SIZE]; /* per head in flight, 0 when free */
};

/* One buffer of a chain: device-readable, or device-writable when writable is set. */
struct vbuf {
    const void *addr;
    u32 len;
    int writable;
};

/* §4.2.3.2: sets up queue index with QUEUE_SIZE entries. Fails the guest if the device cannot take it. */
void virtq_setup(const struct virtio_dev *dev, struct virtq *q, u16 index);
/* Makes the chain available (§2.7.13) and returns its head; fails the guest when out of descriptors. */
u16 virtq_add(struct virtq *q, const struct vbuf *bufs, int count);
/* Notifies the device (QueueNotify) of new available buffers in q. */
void virtq_kick(struct virtq *q);
/* Takes the next used chain if there is one: its head, and the bytes written in *len; -1 if none yet. */
int virtq_poll(struct virtq *q, u32 *len);
/* Waits until deadline for the next used chain; -1 on timeout. */
int virtq_wait(struct virtq *q, u32 *len, u64 deadline);

#endif
