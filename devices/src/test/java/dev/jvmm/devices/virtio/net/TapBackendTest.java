package dev.jvmm.devices.virtio.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The TAP backend: names checked before anything is opened, and a real TAP in a private network namespace through
 * which the device sends and receives frames ({@link TapInNamespace}, run in a child JVM under
 * {@code unshare --net}). The real-TAP test skips, saying why, without /dev/net/tun or the right to make a namespace.
 */
class TapBackendTest {

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "tap/0", "tap:0", "tap 0", "tap\t0", "sixteen-bytes-xx"})
    void refusesInvalidInterfaceNamesNamingThem(String name) {
        var e = assertThrows(IllegalArgumentException.class, () -> TapBackend.open(name));
        assertTrue(e.getMessage().contains("\"" + name + "\"") && e.getMessage().contains("e.g. tap0"), e.getMessage());
    }

    @Test
    void framesCrossARealTapInAPrivateNetworkNamespace() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun: the tun driver is not available here");
        assumeTrue(succeeds(List.of("ip", "-V")), "the ip command (iproute2) is not installed");
        assumeTrue(succeeds(List.of("unshare", "--net", "true")),
                "cannot make a network namespace (unshare --net): needs root or CAP_SYS_ADMIN and CAP_NET_ADMIN");
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process child = new ProcessBuilder("unshare", "--net", "--", java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), TapInNamespace.class.getName())
                .redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child did not finish");
        System.out.print(output.indent(2));
        assertEquals(0, child.exitValue(), output);
        assertTrue(output.contains("ALL CHECKS PASSED"), output);
    }

    private static boolean succeeds(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
