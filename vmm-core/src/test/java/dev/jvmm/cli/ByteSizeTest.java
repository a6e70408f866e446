package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ByteSizeTest {
    @Test
    void parsesBinarySuffixes() {
        assertEquals(128L << 20, ByteSize.parse("--memory", "128M"));
        assertEquals(128L << 20, ByteSize.parse("--memory", "128m"));
        assertEquals(2L << 30, ByteSize.parse("--memory", "2G"));
        assertEquals(512L << 10, ByteSize.parse("--memory", "512K"));
        assertEquals(1L << 40, ByteSize.parse("--memory", "1T"));
        assertEquals(65536, ByteSize.parse("--memory", "65536"));
        assertEquals(256L << 20, ByteSize.parse("--memory", "256MiB"));
        assertEquals(256L << 20, ByteSize.parse("--memory", "256MB"));
    }

    @Test
    void rejectsWhatIsNotASizeNamingTheOption() {
        for (String bad : new String[] {"", "M", "12X", "-5M", "1.5G", "lots", "99999999999999999999G"}) {
            UsageException e = assertThrows(UsageException.class, () -> ByteSize.parse("--memory", bad), bad);
            assertTrue(e.getMessage().startsWith("--memory '" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void rejectsSizesThatOverflow() {
        assertThrows(UsageException.class, () -> ByteSize.parse("--memory", "9000000000000000T"));
    }

    @Test
    void formatsExactMultiples() {
        assertEquals("128M", ByteSize.format(128L << 20));
        assertEquals("4G", ByteSize.format(4L << 30));
        assertEquals("1000", ByteSize.format(1000));
    }
}
