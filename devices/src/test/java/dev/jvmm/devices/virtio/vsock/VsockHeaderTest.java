package dev.jvmm.devices.virtio.vsock;

import static dev.jvmm.devices.virtio.VirtqueueDriver.Buffer.readable;
import static dev.jvmm.devices.virtio.VirtqueueDriver.Buffer.writable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.GuestRam;
import dev.jvmm.devices.virtio.VirtqueueDriver;
import dev.jvmm.devices.virtio.queue.DescriptorChain;
import dev.jvmm.devices.virtio.queue.SplitQueue;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@code struct virtio_vsock_hdr} (virtio 1.2 §5.10.6): 44 bytes, little-endian, fields at the spec's offsets. */
class VsockHeaderTest {
    private static final long RAM = 0x10000;

    private final GuestMemory memory = GuestRam.of(RAM, 0x10000);
    private final VirtqueueDriver driver = new VirtqueueDriver(memory, RAM, 8);
    private final SplitQueue queue = new SplitQueue(8);

    VsockHeaderTest() {
        queue.setDescTableAddress(driver.descTable());
        queue.setAvailRingAddress(driver.availRing());
        queue.setUsedRingAddress(driver.usedRing());
        queue.setReady(true);
    }

    private static final byte[] SPEC_EXAMPLE = {
        3, 0, 0, 0, 0, 0, 0, 0,             // le64 src_cid
        2, 0, 0, 0, 0, 0, 0, 0,             // le64 dst_cid
        0x39, 0x30, 0, 0,                   // le32 src_port 12345
        0x00, 0x00, 0x00, 0x40,             // le32 dst_port 2^30
        5, 0, 0, 0,                         // le32 len
        1, 0,                               // le16 type STREAM
        5, 0,                               // le16 op RW
        3, 0, 0, 0,                         // le32 flags
        0, 0, 4, 0,                         // le32 buf_alloc 256 KiB
        (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, // le32 fwd_cnt 2^32-1
    };

    @Test
    void decodesEveryFieldAtItsOffsetEvenWhenTheHeaderSpansDescriptors() {
        memory.write(0x18000, Arrays.copyOf(SPEC_EXAMPLE, 13));
        memory.write(0x18100, Arrays.copyOfRange(SPEC_EXAMPLE, 13, 44));
        driver.submit(readable(0x18000, 13), readable(0x18100, 31));
        VsockHeader h = new VsockHeader();
        assertTrue(h.readFrom(queue.popDescriptorChain(memory)));
        assertEquals(3, h.srcCid);
        assertEquals(2, h.dstCid);
        assertEquals(12345, h.srcPort);
        assertEquals(1 << 30, h.dstPort);
        assertEquals(5, h.len);
        assertEquals(VsockHeader.VIRTIO_VSOCK_TYPE_STREAM, h.type);
        assertEquals(VsockHeader.VIRTIO_VSOCK_OP_RW, h.op);
        assertEquals(3, h.flags);
        assertEquals(256 * 1024, h.bufAlloc);
        assertEquals(-1, h.fwdCnt);
    }

    @Test
    void encodesTheSameBytesIntoWritableDescriptors() {
        driver.submit(writable(0x18000, 20), writable(0x18100, 100));
        DescriptorChain chain = queue.popDescriptorChain(memory);
        VsockHeader h = new VsockHeader().reset(3, 12345, 2, 1 << 30, VsockHeader.VIRTIO_VSOCK_OP_RW);
        h.len = 5;
        h.flags = 3;
        h.bufAlloc = 256 * 1024;
        h.fwdCnt = -1;
        h.writeTo(chain);
        byte[] written = new byte[44];
        System.arraycopy(memory.read(0x18000, 20), 0, written, 0, 20);
        System.arraycopy(memory.read(0x18100, 24), 0, written, 20, 24);
        assertArrayEquals(SPEC_EXAMPLE, written);
    }

    @Test
    void aChainShorterThanAHeaderDoesNotDecode() {
        memory.write(0x18000, SPEC_EXAMPLE);
        driver.submit(readable(0x18000, 43), writable(0x18100, 64));
        assertFalse(new VsockHeader().readFrom(queue.popDescriptorChain(memory)));
    }
}
