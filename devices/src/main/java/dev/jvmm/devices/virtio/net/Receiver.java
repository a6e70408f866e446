package dev.jvmm.devices.virtio.net;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.virtio.VirtioInterrupt;
import dev.jvmm.devices.virtio.queue.DescriptorChain;
import dev.jvmm.devices.virtio.queue.SplitQueue;
import dev.jvmm.sys.Errno;
import dev.jvmm.sys.IoVectors;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The receive queue (virtio 1.2 §5.1.6.3, §5.1.6.4): one frame per chain, read by the backend straight into the
 * chain's device-writable buffers behind a header slot in VMM memory, whose checked copy is then written in front.
 * The device takes a chain from the driver before it knows a frame is waiting and holds it until one comes, so it
 * never reads a frame it has no room for: frames wait in the backend (a TAP's queue, bounded by the kernel) while
 * the guest has no buffers. A frame larger than the held chain is dropped and the chain kept for the next one.
 */
final class Receiver implements AutoCloseable {
    /** Why {@link #receive} stopped: what the device should wait for next. */
    enum Wait {
        /** A frame from the backend: watch its fd for EPOLLIN. */
        FRAMES,
        /** Buffers from the driver: its notification on the receive queue. */
        BUFFERS,
        /** Nothing: the backend failed and will not be read again. */
        NEVER
    }

    /** Frames and chains handled per call, so that a flood cannot starve transmit or other devices on the loop. */
    static final int BUDGET = 256;

    private final NetBackend backend;
    private final NetCounters counters;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment headerSlot = arena.allocate(VirtioNetHeader.BYTES);
    private final byte[] header = new byte[VirtioNetHeader.BYTES];
    private final IoVectors vectors = new IoVectors(IoVectors.MAX_ENTRIES);
    /** The chain taken from the driver and waiting for a frame; the queue's own object, valid until the next pop. */
    private DescriptorChain held;
    private int lastError;

    Receiver(NetBackend backend, NetCounters counters) {
        this.backend = backend;
        this.counters = counters;
    }

    /** Whether a chain is taken and waiting for a frame. */
    boolean holdsBuffer() { return held != null; }

    /** The errno of the read that failed, after {@link Wait#NEVER}. */
    int lastError() { return lastError; }

    /**
     * Moves frames from the backend into the driver's buffers while both are there, in at most {@link #BUDGET}
     * steps (a frame, or a chain taken), and signals the driver if it wants to hear of them.
     */
    Wait receive(GuestMemory memory, SplitQueue queue, long acked, VirtioInterrupt interrupt, int queueIndex) {
        boolean used = false;
        Wait wait = Wait.FRAMES;
        for (int steps = 0; steps < BUDGET; steps++) {
            if (held == null) {
                DescriptorChain chain = queue.popDescriptorChain(memory);
                if (chain == null) {
                    if (queue.enableNotification(memory)) {
                        continue; // buffers came in meanwhile
                    }
                    wait = Wait.BUFFERS;
                    break;
                }
                if (!hold(memory, chain)) {
                    queue.addUsed(memory, chain.headIndex(), 0);
                    counters.rxBufferInvalid();
                    used = true;
                    continue;
                }
            }
            long n = backend.readFrame(vectors);
            if (n == -Errno.EAGAIN) {
                break;
            }
            if (n < 0) {
                counters.rxReadFailed();
                lastError = (int) -n;
                wait = Wait.NEVER;
                break;
            }
            if (n > vectors.byteSize() || n < VirtioNetHeader.BYTES + VirtioNet.ETH_HLEN) {
                counters.rxFrameDropped(); // the next frame goes into the same chain
                continue;
            }
            MemorySegment.copy(headerSlot, ValueLayout.JAVA_BYTE, 0, header, 0, VirtioNetHeader.BYTES);
            if (!VirtioNetHeader.fitReceive(header, acked)) {
                counters.rxFrameDropped();
                continue;
            }
            ChainBuffers.writeStart(memory, held, header);
            queue.addUsed(memory, held.headIndex(), (int) n);
            held = null;
            counters.received(n - VirtioNetHeader.BYTES);
            used = true;
        }
        if (used && queue.needsNotification(memory)) {
            interrupt.signalUsedBuffer(queueIndex);
        }
        return wait;
    }

    /**
     * Takes {@code chain} if it can hold a header and an Ethernet header in device-writable buffers only
     * (§5.1.6.3.1); its buffers after the header slot become the read's vectors, up to the largest frame.
     */
    private boolean hold(GuestMemory memory, DescriptorChain chain) {
        if (chain.readableLength() != 0
                || chain.writableLength() < VirtioNetHeader.BYTES + VirtioNet.ETH_HLEN) {
            return false;
        }
        vectors.clear().add(headerSlot);
        // With more pieces than one readv takes, the chain holds what fits.
        ChainBuffers.addTo(vectors, memory, chain, chain.firstWritableIndex(), chain.descriptorCount(),
                VirtioNetHeader.BYTES, VirtioNet.MAX_FRAME_BYTES);
        held = chain;
        return true;
    }

    /** Forgets the held chain (the device was reset; the driver reclaims its buffers). */
    void reset() {
        held = null;
        vectors.clear();
    }

    @Override
    public void close() {
        vectors.close();
        arena.close();
    }
}
