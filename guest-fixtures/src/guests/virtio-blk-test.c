/*
 * virtio-blk test guest (virtio 1.2 §5.2): reads sector 0, the capacity and the device ID; writes a marker to
 * sector 1, flushes and reads it back. On a device that offers VIRTIO_BLK_F_RO it expects the write to fail.
 */
#include "virtio-guest.h"

#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_ID_BYTES 20
#define SECTOR_SIZE 512
#define TOKEN_BYTES 16
#define WRITTEN_SECTOR 1

const char guest_name[] = "virtio-blk";

/* §5.2.6: the device-readable header of every request; the status byte is the last device-writable one. */
struct virtio_blk_req_header {
    u32 type;
    u32 reserved;
    u64 sector;
};

static struct virtio_dev dev;
static struct virtq requestq;
static struct virtio_blk_req_header header;
static u8 status;
static u8 data[SECTOR_SIZE];
static char id[VIRTIO_BLK_ID_BYTES + 1];
static const u8 written[SECTOR_SIZE] = "JVMM-GUEST-WROTE";

/* One request: header, then len bytes at buffer (written by the device when device_writes), then status. */
static u8 request(u32 type, u64 sector, const void *buffer, u32 len, int device_writes) {
    header.type = type;
    header.reserved = 0;
    header.sector = sector;
    status = 0xff;
    struct vbuf bufs[3];
    int n = 0;
    bufs[n++] = (struct vbuf) {&header, sizeof(header), 0};
    if (len) {
        bufs[n++] = (struct vbuf) {buffer, len, device_writes};
    }
    bufs[n++] = (struct vbuf) {&status, 1, 1};
    virtq_add(&requestq, bufs, n);
    virtq_kick(&requestq);
    u32 used;
    if (virtq_wait(&requestq, &used, deadline_after(WAIT_TICKS)) < 0) {
        fail_with("timeout on request type", type);
    }
    return status;
}

static void expect_ok(u8 result, const char *what) {
    if (result != VIRTIO_BLK_S_OK) {
        fail_with(what, result);
    }
}

void guest_main(void) {
    if (!virtio_find(VIRTIO_ID_BLOCK, &dev)) {
        fail("no device");
    }
    virtio_negotiate(&dev);
    virtq_setup(&dev, &requestq, 0);
    virtio_driver_ok(&dev);

    expect_ok(request(VIRTIO_BLK_T_IN, 0, data, SECTOR_SIZE, 1), "read sector 0: status");
    say("sector0 ");
    put_ascii(data, TOKEN_BYTES);
    end_line();

    u64 capacity = virtio_config64(&dev, 0); /* struct virtio_blk_config.capacity, in 512-byte sectors */
    say("capacity ");
    put_dec(capacity);
    end_line();

    expect_ok(request(VIRTIO_BLK_T_GET_ID, 0, id, VIRTIO_BLK_ID_BYTES, 1), "GET_ID: status");
    say("id ");
    put_str(id); /* §5.2.6: NUL-terminated unless it takes all 20 bytes; id[20] stays 0 */
    end_line();

    if (virtio_offers(&dev, VIRTIO_BLK_F_RO)) {
        say("read-only");
        end_line();
        u8 result = request(VIRTIO_BLK_T_OUT, WRITTEN_SECTOR, written, SECTOR_SIZE, 0);
        if (result != VIRTIO_BLK_S_IOERR) {
            fail_with("write to a read-only device: status", result);
        }
        pass();
    }
    if (capacity <= WRITTEN_SECTOR) {
        fail_with("no sector 1 to write: capacity", capacity);
    }
    expect_ok(request(VIRTIO_BLK_T_OUT, WRITTEN_SECTOR, written, SECTOR_SIZE, 0),
            "write sector 1: status");
    expect_ok(request(VIRTIO_BLK_T_FLUSH, 0, 0, 0, 0), "flush: status");
    memset(data, 0xff, sizeof(data));
    expect_ok(request(VIRTIO_BLK_T_IN, WRITTEN_SECTOR, data, SECTOR_SIZE, 1), "read sector 1: status");
    if (memcmp(data, written, SECTOR_SIZE) != 0) {
        fail("sector 1 reads back other bytes than written");
    }
    pass();
}
