/*
 * The driver side of the virtio-mmio transport (virtio 1.2 §4.2) and of split virtqueues (§2.7), as small as
 * the test guests allow: one feature (VIRTIO_F_VERSION_1), fixed-size queues, a free list of descriptors.
 */
#include "virtio-guest.h"

/* §4.2.2, Table 4.1. */
#define MAGIC_VALUE 0x000
#define VERSION 0x004
#define DEVICE_ID 0x008
#define DEVICE_FEATURES 0x010
#define DEVICE_FEATURES_SEL 0x014
#define DRIVER_FEATURES 0x020
#define DRIVER_FEATURES_SEL 0x024
#define QUEUE_SEL 0x030
#define QUEUE_NUM_MAX 0x034
#define QUEUE_NUM 0x038
#define QUEUE_READY 0x044
#define QUEUE_NOTIFY 0x050
#define STATUS 0x070
#define QUEUE_DESC_LOW 0x080
#define QUEUE_DESC_HIGH 0x084
#define QUEUE_DRIVER_LOW 0x090
#define QUEUE_DRIVER_HIGH 0x094
#define QUEUE_DEVICE_LOW 0x0a0
#define QUEUE_DEVICE_HIGH 0x0a4
#define CONFIG_GENERATION 0x0fc
#define CONFIG 0x100

#define VIRTIO_MMIO_MAGIC 0x74726976 /* "virt" */

/* §2.1 device status bits. */
#define ACKNOWLEDGE 1
#define DRIVER 2
#define DRIVER_OK 4
#define FEATURES_OK 8
#define DEVICE_NEEDS_RESET 64

#define VIRTIO_F_VERSION_1 32

/* jvmm's windows (Layout.virtioMmioAddress), then QEMU microvm's. */
#define JVMM_MMIO_BASE 0xd0000000UL
#define JVMM_MMIO_STRIDE 0x1000
#define MICROVM_MMIO_BASE 0xfeb00000UL
#define MICROVM_MMIO_STRIDE 0x200
#define MMIO_WINDOWS 32

/* §4.2.2.1: control registers are read and written 32 bits wide. */
static u32 reg_read(u64 base, u32 offset) {
    return *(volatile u32 *) (base + offset);
}

static void reg_write(u64 base, u32 offset, u32 value) {
    *(volatile u32 *) (base + offset) = value;
}

static int scan(u64 first, u64 stride, u32 device_id, struct virtio_dev *dev) {
    for (u64 i = 0; i < MMIO_WINDOWS; i++) {
        u64 base = first + i * stride;
        if (reg_read(base, MAGIC_VALUE) == VIRTIO_MMIO_MAGIC && reg_read(base, VERSION) == 2
                && reg_read(base, DEVICE_ID) == device_id) {
            dev->base = base;
            return 1;
        }
    }
    return 0;
}

int virtio_find(u32 device_id, struct virtio_dev *dev) {
    if (!scan(JVMM_MMIO_BASE, JVMM_MMIO_STRIDE, device_id, dev)
            && !scan(MICROVM_MMIO_BASE, MICROVM_MMIO_STRIDE, device_id, dev)) {
        return 0;
    }
    say("mmio 0x");
    put_hex(dev->base, 8);
    end_line();
    return 1;
}

void virtio_negotiate(struct virtio_dev *dev) {
    u64 base = dev->base;
    reg_write(base, STATUS, 0);
    /* §2.4.2: the reset is complete once Status reads 0. */
    u64 deadline = deadline_after(WAIT_TICKS);
    while (reg_read(base, STATUS) != 0) {
        if (expired(deadline)) {
            fail("device did not reset");
        }
    }
    reg_write(base, STATUS, ACKNOWLEDGE);
    reg_write(base, STATUS, ACKNOWLEDGE | DRIVER);
    reg_write(base, DEVICE_FEATURES_SEL, 0);
    u64 features = reg_read(base, DEVICE_FEATURES);
    reg_write(base, DEVICE_FEATURES_SEL, 1);
    features |= (u64) reg_read(base, DEVICE_FEATURES) << 32;
    dev->device_features = features;
    if (!virtio_offers(dev, VIRTIO_F_VERSION_1)) {
        fail("device does not offer VIRTIO_F_VERSION_1");
    }
    reg_write(base, DRIVER_FEATURES_SEL, 0);
    reg_write(base, DRIVER_FEATURES, 0);
    reg_write(base, DRIVER_FEATURES_SEL, 1);
    reg_write(base, DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
    reg_write(base, STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK);
    if (!(reg_read(base, STATUS) & FEATURES_OK)) {
        fail("device did not accept the features");
    }
}

void virtio_driver_ok(struct virtio_dev *dev) {
    reg_write(dev->base, STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
}

int virtio_offers(const struct virtio_dev *dev, unsigned bit) {
    return (dev->device_features >> bit) & 1;
}

u8 virtio_config8(const struct virtio_dev *dev, u32 offset) {
    return *(volatile u8 *) (dev->base + CONFIG + offset);
}

/* §4.2.2.2: 64-bit fields are read as two 32-bit halves; §2.5.1: retry while ConfigGeneration changes. */
u64 virtio_config64(const struct virtio_dev *dev, u32 offset) {
    for (int attempt = 0; attempt < 16; attempt++) {
        u32 generation = reg_read(dev->base, CONFIG_GENERATION);
        u64 value = reg_read(dev->base, CONFIG + offset)
                | (u64) reg_read(dev->base, CONFIG + offset + 4) << 32;
        if (reg_read(dev->base, CONFIG_GENERATION) == generation) {
            return value;
        }
    }
    fail("configuration keeps changing");
}

void virtq_setup(const struct virtio_dev *dev, struct virtq *q, u16 index) {
    u64 base = dev->base;
    reg_write(base, QUEUE_SEL, index);
    if (reg_read(base, QUEUE_READY) != 0) {
        fail("queue already in use");
    }
    if (reg_read(base, QUEUE_NUM_MAX) < QUEUE_SIZE) {
        fail("queue missing or smaller than 8");
    }
    memset(q, 0, sizeof(*q));
    q->dev = dev;
    q->index = index;
    q->num_free = QUEUE_SIZE;
    for (u16 i = 0; i < QUEUE_SIZE; i++) {
        q->desc[i].next = i + 1;
    }
    reg_write(base, QUEUE_NUM, QUEUE_SIZE);
    reg_write(base, QUEUE_DESC_LOW, (u32) (u64) q->desc);
    reg_write(base, QUEUE_DESC_HIGH, (u32) ((u64) q->desc >> 32));
    reg_write(base, QUEUE_DRIVER_LOW, (u32) (u64) &q->avail);
    reg_write(base, QUEUE_DRIVER_HIGH, (u32) ((u64) &q->avail >> 32));
    reg_write(base, QUEUE_DEVICE_LOW, (u32) (u64) &q->used);
    reg_write(base, QUEUE_DEVICE_HIGH, (u32) ((u64) &q->used >> 32));
    reg_write(base, QUEUE_READY, 1);
}

u16 virtq_add(struct virtq *q, const struct vbuf *bufs, int count) {
    if (count < 1 || count > q->num_free) {
        fail("out of descriptors");
    }
    u16 head = q->free_head;
    u16 i = head;
    for (int k = 0; k < count; k++) {
        struct virtq_desc *d = &q->desc[i];
        d->addr = (u64) bufs[k].addr;
        d->len = bufs[k].len;
        d->flags = (bufs[k].writable ? VIRTQ_DESC_F_WRITE : 0) | (k + 1 < count ? VIRTQ_DESC_F_NEXT : 0);
        i = d->next; /* the free list links the descriptors the chain takes */
    }
    q->free_head = i;
    q->num_free -= count;
    q->chain_length[head] = (u8) count;
    q->avail.ring[q->avail.idx % QUEUE_SIZE] = head;
    /* §2.7.13.2: the ring entry must be visible before the index that publishes it. */
    __atomic_store_n(&q->avail.idx, (u16) (q->avail.idx + 1), __ATOMIC_RELEASE);
    return head;
}

void virtq_kick(struct virtq *q) {
    /* §2.7.13.3: the new index must be visible before the device is told to look. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    reg_write(q->dev->base, QUEUE_NOTIFY, q->index);
}

/* Descriptors come back to the free list in chain order: the chain's links are the list's links. */
static void free_chain(struct virtq *q, u16 head) {
    u16 last = head;
    for (int k = 1; k < q->chain_length[head]; k++) {
        last = q->desc[last].next;
    }
    q->desc[last].next = q->free_head;
    q->free_head = head;
    q->num_free += q->chain_length[head];
    q->chain_length[head] = 0;
}

int virtq_poll(struct virtq *q, u32 *len) {
    u16 used_idx = __atomic_load_n(&q->used.idx, __ATOMIC_ACQUIRE);
    if (used_idx == q->last_used) {
        return -1;
    }
    if ((u16) (used_idx - q->last_used) > QUEUE_SIZE) {
        fail("used index ran ahead of the buffers made available");
    }
    struct virtq_used_elem e = q->used.ring[q->last_used % QUEUE_SIZE];
    q->last_used++;
    if (e.id >= QUEUE_SIZE || q->chain_length[e.id] == 0) {
        fail("device used a buffer that was not available");
    }
    free_chain(q, (u16) e.id);
    *len = e.len;
    return (int) e.id;
}

int virtq_wait(struct virtq *q, u32 *len, u64 deadline) {
    for (u32 spins = 1;; spins++) {
        int head = virtq_poll(q, len);
        if (head >= 0) {
            return head;
        }
        if (expired(deadline)) {
            return -1;
        }
        /* Once in a while (each read is a VM exit), see whether the device gave up (§2.1.2). */
        if (spins % 1024 == 0 && (reg_read(q->dev->base, STATUS) & DEVICE_NEEDS_RESET)) {
            fail("device needs reset");
        }
        __asm__ volatile("pause");
    }
}
