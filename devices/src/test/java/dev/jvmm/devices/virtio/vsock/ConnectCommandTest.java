package dev.jvmm.devices.virtio.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The host program's {@code CONNECT <port>\n} line, as Firecracker's vsock documentation specifies it. */
class ConnectCommandTest {
    private static long feed(String text) {
        ConnectCommand command = new ConnectCommand();
        long result = ConnectCommand.INCOMPLETE;
        for (byte b : text.getBytes(StandardCharsets.ISO_8859_1)) {
            result = command.accept(b);
            if (result != ConnectCommand.INCOMPLETE) {
                return result;
            }
        }
        return result;
    }

    @Test
    void aDecimalPortEndsWithTheNewline() {
        assertEquals(52, feed("CONNECT 52\n"));
        assertEquals(0, feed("CONNECT 0\n"));
        assertEquals(0xffff_ffffL, feed("CONNECT 4294967295\n"));
        assertEquals(7, feed("CONNECT 007\n"));
    }

    @Test
    void untilTheNewlineTheLineIsIncomplete() {
        assertEquals(ConnectCommand.INCOMPLETE, feed("CONNECT 52"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"CONNECT\n", "CONNECT \n", "connect 52\n", "CONNECT  52\n", "CONNECT 52 \n",
        "CONNECT 52\r\n", "CONNECT -1\n", "CONNECT +1\n", "CONNECT 0x10\n", "CONNECT 4294967296\n",
        "CONNECT 99999999999\n", "OK 52\n", "\n", "CONNECT 1234567890123456789012345678901234\n"})
    void anythingElseIsInvalid(String line) {
        assertEquals(ConnectCommand.INVALID, feed(line));
    }
}
