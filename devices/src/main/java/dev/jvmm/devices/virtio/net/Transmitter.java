package dev.jvmm.devices.virtio.net;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.queue.DescriptorChain;
import dev.jvmm.devices.virtio.queue.SplitQueue;
import dev.jvmm.sys.IoVectors;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The transmit queue (virtio 1.2 §5.1.6.2): each chain's device-readable bytes are a header and one Ethernet frame.
 * A frame of up to MTU size is copied behind the checked copy of the header and goes to the backend as one piece; a
 * larger (GSO) frame goes as one gather write of that header and the guest's buffers in place. A
 * chain that is too short or too long, has more pieces than one writev takes, or has a header the features forbid
 * or that points outside the frame, is returned unsent and counted; so is a frame the backend refuses. Allocates
 * nothing per frame.
 */
final class Transmitter implements AutoCloseable {
    /**
     * Header and frame bytes up to which the device copies the frame behind the checked header and writes one
     * piece, which {@code Libc.writevNoThrow} sends with write(2): cheaper for the kernel than a writev, whose
     * iovec array it must copy in and check, by more than copying a frame of MTU size costs (VirtioNetBenchmark).
     * Larger (GSO) frames go out in place.
     */
    static final int COPY_LIMIT = 2048;

    private final NetBackend backend;
    private final NetCounters counters;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment checkedHeader = arena.allocate(VirtioNetHeader.BYTES);
    private final byte[] header = new byte[VirtioNetHeader.BYTES];
    private final IoVectors vectors = new IoVectors(IoVectors.MAX_ENTRIES);
    /** A small frame goes out copied behind its checked header, as one piece: see {@link #COPY_LIMIT}. */
    private final MemorySegment staging = arena.allocate(COPY_LIMIT);

    Transmitter(NetBackend backend, NetCounters counters) {
        this.backend = backend;
        this.counters = counters;
    }

    /** Sends every chain the driver made available; returns whether any was used. */
    boolean transmitAll(GuestMemory memory, SplitQueue queue, long acked) {
        boolean used = false;
        do {
            DescriptorChain chain;
            while ((chain = queue.popDescriptorChain(memory)) != null) {
                transmit(memory, chain, acked);
                // §5.1.6.2: transmit buffers are read-only to the device; nothing was written.
                queue.addUsed(memory, chain.headIndex(), 0);
                used = true;
            }
        } while (queue.enableNotification(memory));
        return used;
    }

    private void transmit(GuestMemory memory, DescriptorChain chain, long acked) {
        long length = chain.readableLength();
        if (length < VirtioNetHeader.BYTES + VirtioNet.ETH_HLEN
                || length > VirtioNetHeader.BYTES + VirtioNet.MAX_FRAME_BYTES) {
            counters.txMalformedChain();
            return;
        }
        ChainBuffers.readStart(memory, chain, header);
        if (!VirtioNetHeader.checkTransmit(header, acked, length - VirtioNetHeader.BYTES)) {
            counters.txMalformedChain();
            return;
        }
        if (length <= COPY_LIMIT) {
            MemorySegment.copy(header, 0, staging, ValueLayout.JAVA_BYTE, 0, VirtioNetHeader.BYTES);
            ChainBuffers.readInto(memory, chain, VirtioNetHeader.BYTES, staging, VirtioNetHeader.BYTES,
                    length - VirtioNetHeader.BYTES);
            vectors.clear().add(staging, 0, length);
        } else {
            MemorySegment.copy(header, 0, checkedHeader, ValueLayout.JAVA_BYTE, 0, VirtioNetHeader.BYTES);
            vectors.clear().add(checkedHeader);
            if (!ChainBuffers.addTo(vectors, memory, chain, 0, chain.firstWritableIndex(), VirtioNetHeader.BYTES,
                    Long.MAX_VALUE)) {
                counters.txMalformedChain(); // more pieces than one writev takes
                return;
            }
        }
        long written = backend.writeFrame(vectors);
        if (written < 0) {
            counters.txRefused();
        } else {
            counters.transmitted(Math.max(0, written - VirtioNetHeader.BYTES));
        }
    }

    @Override
    public void close() {
        vectors.close();
        arena.close();
    }
}
