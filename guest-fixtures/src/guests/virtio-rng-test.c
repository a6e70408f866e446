/*
 * virtio-rng test guest (virtio 1.2 §5.4): asks the entropy device for 32 bytes in one device-writable buffer,
 * prints them in hex and passes when the device filled all 32 and they are not all zero.
 */
#include "virtio-guest.h"

#define RNG_BYTES 32

const char guest_name[] = "virtio-rng";

static struct virtio_dev dev;
static struct virtq requestq;
static u8 entropy[RNG_BYTES];

void guest_main(void) {
    if (!virtio_find(VIRTIO_ID_ENTROPY, &dev)) {
        fail("no device");
    }
    virtio_negotiate(&dev);
    virtq_setup(&dev, &requestq, 0);
    virtio_driver_ok(&dev);

    struct vbuf buf = {entropy, sizeof(entropy), 1};
    virtq_add(&requestq, &buf, 1);
    virtq_kick(&requestq);
    u32 len;
    if (virtq_wait(&requestq, &len, deadline_after(WAIT_TICKS)) < 0) {
        fail("timeout");
    }
    say("");
    u8 any = 0;
    for (u32 i = 0; i < RNG_BYTES; i++) {
        put_hex(entropy[i], 2);
        any |= entropy[i];
    }
    end_line();
    if (len != RNG_BYTES) {
        fail("short read");
    }
    if (!any) {
        fail("all zero");
    }
    pass();
}
