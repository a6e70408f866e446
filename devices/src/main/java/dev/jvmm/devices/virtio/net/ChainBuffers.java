package dev.jvmm.devices.virtio.net;

import dev.jvmm.devices.memory.GuestMemory;
import dev.jvmm.devices.memory.GuestRegion;
import dev.jvmm.devices.virtio.queue.DescriptorChain;
import dev.jvmm.sys.IoVectors;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A validated chain's buffers reached through the guest region that holds each of them, so the per-frame path
 * creates no segment objects: the header bytes copied to and from a {@code byte[]}, and stretches of a stream
 * appended to {@link IoVectors}. (A slice per buffer would be an allocation per frame whenever escape analysis
 * gives up, which depends on what else the JVM has run.)
 */
final class ChainBuffers {
    private ChainBuffers() { }

    /** Copies the first {@code dst.length} device-readable bytes into {@code dst}; returns how many there were. */
    static int readStart(GuestMemory memory, DescriptorChain chain, byte[] dst) {
        return copy(memory, chain, 0, chain.firstWritableIndex(), dst, false);
    }

    /** Copies {@code src} into the first device-writable bytes; returns how many fitted. */
    static int writeStart(GuestMemory memory, DescriptorChain chain, byte[] src) {
        return copy(memory, chain, chain.firstWritableIndex(), chain.descriptorCount(), src, true);
    }

    private static int copy(GuestMemory memory, DescriptorChain chain, int from, int to, byte[] bytes,
            boolean toGuest) {
        int done = 0;
        for (int i = from; i < to && done < bytes.length; i++) {
            int n = (int) Math.min(chain.length(i), bytes.length - done);
            if (n == 0) {
                continue;
            }
            long address = chain.address(i);
            GuestRegion region = memory.region(address, n);
            long offset = address - region.guestAddress();
            if (toGuest) {
                MemorySegment.copy(bytes, done, region.segment(), ValueLayout.JAVA_BYTE, offset, n);
            } else {
                MemorySegment.copy(region.segment(), ValueLayout.JAVA_BYTE, offset, bytes, done, n);
            }
            done += n;
        }
        return done;
    }

    /**
     * Copies {@code length} device-readable bytes, from {@code skip} bytes into the readable stream, to {@code dst}
     * at {@code dstOffset}; the chain must have that many readable bytes.
     */
    static void readInto(GuestMemory memory, DescriptorChain chain, long skip, MemorySegment dst, long dstOffset,
            long length) {
        long toSkip = skip;
        long done = 0;
        for (int i = 0, to = chain.firstWritableIndex(); i < to && done < length; i++) {
            long pieceLength = chain.length(i);
            if (toSkip >= pieceLength) {
                toSkip -= pieceLength;
                continue;
            }
            long take = Math.min(pieceLength - toSkip, length - done);
            long address = chain.address(i) + toSkip;
            GuestRegion region = memory.region(address, take);
            MemorySegment.copy(region.segment(), address - region.guestAddress(), dst, dstOffset + done, take);
            done += take;
            toSkip = 0;
        }
    }

    /**
     * Appends descriptors {@code [from, to)} of {@code chain} to {@code vectors}, leaving out their first
     * {@code skip} bytes and anything past {@code limit} bytes. Returns false if {@code vectors} filled up first.
     */
    static boolean addTo(IoVectors vectors, GuestMemory memory, DescriptorChain chain, int from, int to, long skip,
            long limit) {
        long toSkip = skip;
        long room = limit;
        for (int i = from; i < to && room > 0; i++) {
            long length = chain.length(i);
            if (toSkip >= length) {
                toSkip -= length;
                continue;
            }
            long take = Math.min(length - toSkip, room);
            long address = chain.address(i) + toSkip;
            GuestRegion region = memory.region(address, take);
            if (!vectors.add(region.segment(), address - region.guestAddress(), take)) {
                return false;
            }
            room -= take;
            toSkip = 0;
        }
        return true;
    }
}
