package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jvmm.devices.virtio.blk.RawFileBackend;
import dev.jvmm.fixtures.GuestFixtures;
import dev.jvmm.testing.KvmTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jvmm boot} with virtio devices on /dev/kvm: the contract guests of guest-fixtures drive each device through
 * its virtio-mmio window, ioeventfds and irqfd, print their lines and reset through the i8042. Skipped, with the
 * reason, where KVM cannot be used or a guest is not built.
 */
@KvmTest
class BootVirtioGuestsOnKvmTest {
    private static final int SECTOR = 512;
    private static final int IMAGE_SECTORS = 2048;
    private static final String SERIAL = "jvmm-blk-test";

    @TempDir
    Path dir;

    private static Path contractGuest(Path guest) {
        assertTrue(Files.isRegularFile(guest), () -> guest + " missing: guest-fixtures builds it");
        return guest;
    }

    private String boot(String... args) throws Exception {
        Path serial = dir.resolve("serial.txt");
        String[] all = new String[args.length + 3];
        all[0] = "boot";
        all[1] = "--serial-output";
        all[2] = serial.toString();
        System.arraycopy(args, 0, all, 3, args.length);
        int status = Main.run(all);
        String out = Files.readString(serial);
        assertEquals(0, status, String.join(" ", all) + "\n" + out);
        return out;
    }

    /** A 1 MiB image whose sector 0 starts with a random 16-character printable token, the rest zero. */
    private Path imageWithToken(String token) throws Exception {
        byte[] bytes = new byte[SECTOR * IMAGE_SECTORS];
        System.arraycopy(token.getBytes(StandardCharsets.US_ASCII), 0, bytes, 0, 16);
        return Files.write(dir.resolve("disk.img"), bytes);
    }

    private static String randomToken() {
        SecureRandom random = new SecureRandom();
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder token = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            token.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return token.toString();
    }

    @Test
    void blockGuestReadsTheTokenWritesSectorOneFlushesAndPasses() throws Exception {
        String token = randomToken();
        Path image = imageWithToken(token);
        String out = boot("--kernel", contractGuest(GuestFixtures.virtioBlkTest()).toString(), "--format", "flat", "--entry", "long",
                "--disk", image + ",id=" + SERIAL);
        assertTrue(out.contains(GuestFixtures.VirtioBlk.SECTOR0_PREFIX + token), out);
        assertTrue(out.contains(GuestFixtures.VirtioBlk.CAPACITY_PREFIX + IMAGE_SECTORS), out);
        assertTrue(out.contains(GuestFixtures.VirtioBlk.ID_PREFIX + SERIAL), out);
        assertTrue(out.contains(GuestFixtures.VirtioBlk.PASS_LINE), out);
        byte[] sector1 = Arrays.copyOfRange(Files.readAllBytes(image), SECTOR, 2 * SECTOR);
        byte[] expected = new byte[SECTOR];
        System.arraycopy("JVMM-GUEST-WROTE".getBytes(StandardCharsets.US_ASCII), 0, expected, 0, 16);
        assertArrayEquals(expected, sector1, "sector 1 of the image after the guest wrote it");
        RawFileBackend.open(image, false).close(); // jvmm released its lock
    }

    @Test
    void blockGuestSeesAReadOnlyDiskRefuseItsWrite() throws Exception {
        String token = randomToken();
        Path image = imageWithToken(token);
        byte[] before = Files.readAllBytes(image);
        String out = boot("--kernel", contractGuest(GuestFixtures.virtioBlkTest()).toString(), "--format", "flat", "--entry", "long",
                "--disk", image + ",ro,id=" + SERIAL);
        assertTrue(out.contains(GuestFixtures.VirtioBlk.SECTOR0_PREFIX + token), out);
        assertTrue(out.contains(GuestFixtures.VirtioBlk.READ_ONLY_LINE), out);
        assertTrue(out.contains(GuestFixtures.VirtioBlk.PASS_LINE), out);
        assertArrayEquals(before, Files.readAllBytes(image), "a read-only image is left as it was");
    }

    @Test
    void entropyGuestGetsThirtyTwoRandomBytes() throws Exception {
        String out = boot("--kernel", contractGuest(GuestFixtures.virtioRngTest()).toString(), "--format", "flat", "--entry", "long",
                "--entropy");
        assertTrue(out.lines().anyMatch(l -> l.matches("virtio-rng: [0-9a-fA-F]{64}")), out);
        assertTrue(out.contains(GuestFixtures.VirtioRng.PASS_LINE), out);
    }

    /** Needs no contract guest: KVM accepts every ioeventfd and irqfd, and jvmm undoes them and exits cleanly. */
    @Test
    void guestWithDevicesItIgnoresStillRunsAndResets() throws Exception {
        Path image = imageWithToken(randomToken());
        String out = boot("--kernel", GuestFixtures.resetHello().toString(), "--format", "flat", "--disk",
                image.toString(), "--disk", Files.write(dir.resolve("b.img"), new byte[SECTOR]) + ",ro", "--entropy");
        assertTrue(out.contains(GuestFixtures.RESET_LINE), out);
        RawFileBackend.open(image, false).close();
    }
}
