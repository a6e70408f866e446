package dev.jvmm.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.bindings.kvm.kvm_h;
import dev.jvmm.bindings.libc.epoll_event;
import dev.jvmm.bindings.libc.libc_h;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibcTest {

    @TempDir
    Path dir;

    @Test
    void eventfdCountsWhatIsWrittenAndReadsEmptyAsMinusOne() {
        int fd = Libc.eventfd(0, libc_h.EFD_NONBLOCK());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_LONG);
            value.set(ValueLayout.JAVA_LONG, 0, 5);
            assertEquals(8, Libc.write(fd, value));
            assertEquals(8, Libc.write(fd, value));
            value.set(ValueLayout.JAVA_LONG, 0, 0);
            assertEquals(8, Libc.read(fd, value));
            assertEquals(10, value.get(ValueLayout.JAVA_LONG, 0));
            assertEquals(-1, Libc.read(fd, value), "EAGAIN on an empty non-blocking eventfd");
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void epollReportsAnEventfdOnceItIsWritten() {
        int efd = Libc.eventfd(0, libc_h.EFD_NONBLOCK());
        int epfd = Libc.epollCreate();
        try (Arena arena = Arena.ofConfined()) {
            Libc.epollCtl(epfd, libc_h.EPOLL_CTL_ADD(), efd, libc_h.EPOLLIN(), 0x1234_5678_9ABCL);
            MemorySegment events = epoll_event.allocateArray(4, arena);
            assertEquals(0, Libc.epollWait(epfd, events, 4, 0));
            MemorySegment one = arena.allocate(ValueLayout.JAVA_LONG);
            one.set(ValueLayout.JAVA_LONG, 0, 1);
            Libc.write(efd, one);
            assertEquals(1, Libc.epollWait(epfd, events, 4, 1000));
            MemorySegment first = epoll_event.asSlice(events, 0);
            assertEquals(libc_h.EPOLLIN(), epoll_event.events(first));
            assertEquals(0x1234_5678_9ABCL, epoll_event.data.u64(epoll_event.data(first)));
        } finally {
            Libc.close(epfd);
            Libc.close(efd);
        }
    }

    @Test
    void anonymousMappingIsUsableAndUnmappedWhenItsArenaCloses() throws IOException {
        long length = 4 * 4096;
        long address;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment region = Libc.mmap(length, libc_h.PROT_READ() | libc_h.PROT_WRITE(),
                libc_h.MAP_PRIVATE() | libc_h.MAP_ANONYMOUS() | libc_h.MAP_NORESERVE(), -1, 0, arena);
            assertEquals(length, region.byteSize());
            region.set(ValueLayout.JAVA_LONG, length - 8, 42);
            assertEquals(42, region.get(ValueLayout.JAVA_LONG, length - 8));
            Libc.madvise(region, libc_h.MADV_DONTNEED());
            assertEquals(0, region.get(ValueLayout.JAVA_LONG, length - 8), "MADV_DONTNEED zero-fills private pages");
            address = region.address();
            assertTrue(isMapped(address));
        }
        assertFalse(isMapped(address), "closing the arena munmaps the region");
    }

    private static boolean isMapped(long address) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            if (Long.parseUnsignedLong(range[0], 16) <= address && address < Long.parseUnsignedLong(range[1], 16)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void pwriteThenPreadRoundTripsAtAnOffset() throws IOException {
        Path file = Files.createFile(dir.resolve("disk.img"));
        int fd = Libc.open(file.toString(), libc_h.O_RDWR());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocateFrom("sector", StandardCharsets.US_ASCII);
            assertEquals(out.byteSize(), Libc.pwrite(fd, out, 512));
            Libc.fdatasync(fd);
            MemorySegment in = arena.allocate(out.byteSize());
            assertEquals(out.byteSize(), Libc.pread(fd, in, 512));
            assertEquals("sector", in.getString(0, StandardCharsets.US_ASCII));
            assertEquals(0, Libc.pread(fd, in, 4096), "end of file");
            Libc.fallocate(fd, 0, 0, 8192);
            assertEquals(8192, Files.size(file));
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void ioctlOnDevNullFailsWithEnottyNamingTheRequest() {
        int fd = Libc.open("/dev/null", libc_h.O_RDWR());
        try {
            SyscallException e = assertThrows(SyscallException.class,
                () -> Libc.ioctl(fd, kvm_h.KVM_CREATE_VM(), "KVM_CREATE_VM"));
            assertEquals("ioctl(KVM_CREATE_VM) failed: ENOTTY (Inappropriate ioctl for device)", e.getMessage());
            assertEquals("ioctl", e.call());
            assertEquals("KVM_CREATE_VM", e.request());
            assertEquals(Errno.ENOTTY, e.errno());
            assertEquals("ENOTTY", e.errnoName());
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment arg = arena.allocate(64);
                assertEquals(-Errno.ENOTTY, Libc.ioctlNoThrow(fd, kvm_h.KVM_GET_REGS(), arg));
                assertEquals(-Errno.ENOTTY, Libc.ioctlNoThrow(fd, kvm_h.KVM_RUN(), 0L));
            }
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void openOfAMissingPathFailsWithEnoentNamingThePath() {
        String path = dir.resolve("missing").toString();
        SyscallException e = assertThrows(SyscallException.class, () -> Libc.open(path, libc_h.O_RDONLY()));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("open(" + path + ") failed: ENOENT (No such file or directory)", e.getMessage());
    }

    @Test
    void errnoNamesAndDescriptionsComeFromLibc() {
        assertEquals("EINTR", Errno.name(Errno.EINTR));
        assertEquals("EAGAIN", Errno.name(Errno.EAGAIN));
        assertEquals("Interrupted system call", Errno.describe(Errno.EINTR));
        assertEquals("errno 100000", Errno.name(100000));
    }

    @Test
    void sigrtminSentToABlockingThreadIsTakenBySigtimedwait() throws Exception {
        int signal = Libc.sigrtmin();
        assertTrue(signal >= libc_h.__SIGRTMIN() && signal <= libc_h.__SIGRTMAX());
        CompletableFuture<Long> self = new CompletableFuture<>();
        CountDownLatch sent = new CountDownLatch(1);
        CompletableFuture<int[]> received = new CompletableFuture<>();
        Thread waiter = Thread.ofPlatform().name("sigwait").start(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment set = Libc.sigset(arena, signal);
                Libc.pthreadSigmask(libc_h.SIG_BLOCK(), set, MemorySegment.NULL);
                int timedOut = Libc.sigtimedwait(set, 10_000_000L);
                self.complete(Libc.pthreadSelf());
                sent.await();
                int got = Libc.sigtimedwait(set, 5_000_000_000L);
                received.complete(new int[] {timedOut, got});
            } catch (Throwable t) {
                received.completeExceptionally(t);
            }
        });
        Libc.pthreadKill(self.get(5, TimeUnit.SECONDS), signal);
        sent.countDown();
        assertArrayEquals(new int[] {-1, signal}, received.get(10, TimeUnit.SECONDS));
        waiter.join();
    }

    @Test
    void sigsetBlocksExactlyItsSignalsAsTheKernelReadsThem() throws Exception {
        int[] signals = {libc_h.SIGUSR1(), Libc.sigrtmin() + 2, libc_h.__SIGRTMAX()};
        CompletableFuture<MemorySegment[]> masks = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment before = Libc.sigset(arena);
                MemorySegment after = Libc.sigset(arena);
                MemorySegment set = Libc.sigset(arena, signals);
                Libc.pthreadSigmask(libc_h.SIG_BLOCK(), MemorySegment.NULL, before);
                Libc.pthreadSigmask(libc_h.SIG_BLOCK(), set, MemorySegment.NULL);
                Libc.pthreadSigmask(libc_h.SIG_BLOCK(), MemorySegment.NULL, after);
                masks.complete(new MemorySegment[] {copy(before), copy(after), copy(set)});
            } catch (Throwable e) {
                masks.completeExceptionally(e);
            }
        });
        MemorySegment[] m = masks.get(10, TimeUnit.SECONDS);
        t.join();
        long bits = 0;
        for (int i = 0; i < 16; i++) {
            long before = m[0].getAtIndex(ValueLayout.JAVA_LONG, i);
            long set = m[2].getAtIndex(ValueLayout.JAVA_LONG, i);
            assertEquals(before | set, m[1].getAtIndex(ValueLayout.JAVA_LONG, i), "word " + i);
            bits += Long.bitCount(set);
        }
        assertEquals(signals.length, bits);
        for (int signal : signals) {
            assertTrue((m[1].getAtIndex(ValueLayout.JAVA_LONG, (signal - 1) / 64) & 1L << ((signal - 1) % 64)) != 0,
                "signal " + signal + " blocked");
        }
    }

    private static MemorySegment copy(MemorySegment s) {
        return MemorySegment.ofArray(s.toArray(ValueLayout.JAVA_LONG));
    }

    @Test
    void sigsetRefusesWhatSigaddsetRefuses() {
        try (Arena arena = Arena.ofConfined()) {
            for (int signal : new int[] {0, -1, 65, Libc.sigrtmin() - 1}) {
                SyscallException e = assertThrows(SyscallException.class, () -> Libc.sigset(arena, signal));
                assertEquals("EINVAL", e.errnoName(), "signal " + signal);
            }
            Libc.sigset(arena, 1, 31, Libc.sigrtmin(), 64);
        }
    }

    @Test
    void getrandomFillsTheBuffer() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(64);
            MemorySegment b = arena.allocate(64);
            Libc.getrandom(a);
            Libc.getrandom(b);
            assertFalse(a.mismatch(b) == -1, "two 64-byte draws are equal");
            assertFalse(a.mismatch(arena.allocate(64)) == -1, "still zero");
        }
    }

    @Test
    void devNullIsNotATerminal() {
        int fd = Libc.open("/dev/null", libc_h.O_RDONLY());
        try (Arena arena = Arena.ofConfined()) {
            assertFalse(Libc.isatty(fd));
            SyscallException e = assertThrows(SyscallException.class,
                () -> Libc.tcgetattr(fd, dev.jvmm.bindings.libc.termios.allocate(arena)));
            assertEquals("ENOTTY", e.errnoName());
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void pseudoterminalPairCarriesBytesFromMasterToSlave() {
        int master = Libc.posixOpenpt(libc_h.O_RDWR() | libc_h.O_NOCTTY());
        int slave = -1;
        try (Arena arena = Arena.ofConfined()) {
            Libc.grantpt(master);
            Libc.unlockpt(master);
            String path = Libc.ptsname(master);
            assertTrue(path.startsWith("/dev/pts/"), path);
            slave = Libc.open(path, libc_h.O_RDWR() | libc_h.O_NOCTTY());
            assertTrue(Libc.isatty(slave));
            assertTrue(Libc.isatty(master));
            Libc.tcgetattr(slave, dev.jvmm.bindings.libc.termios.allocate(arena));
            assertEquals(3, Libc.write(master, arena.allocateFrom("hi\n", StandardCharsets.US_ASCII)
                .asSlice(0, 3)));
            MemorySegment got = arena.allocate(16);
            long n = Libc.read(slave, got); // canonical mode: the whole line at once
            assertEquals("hi\n", new String(got.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE),
                StandardCharsets.US_ASCII));
        } finally {
            if (slave >= 0) {
                Libc.close(slave);
            }
            Libc.close(master);
        }
    }

    @Test
    void ptsnameOfANonMasterFailsWithItsErrno() {
        int fd = Libc.open("/dev/null", libc_h.O_RDONLY());
        try {
            SyscallException e = assertThrows(SyscallException.class, () -> Libc.ptsname(fd));
            assertEquals("ENOTTY", e.errnoName());
        } finally {
            Libc.close(fd);
        }
    }
}
