package dev.jvmm.devices.virtio.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MacAddressTest {

    @Test
    void parsesColonSeparatedOctetsInEitherCase() {
        MacAddress mac = MacAddress.parse("52:54:00:AB:cd:0f");
        assertArrayEquals(new byte[] {0x52, 0x54, 0x00, (byte) 0xab, (byte) 0xcd, 0x0f}, mac.octets());
        assertEquals("52:54:00:ab:cd:0f", mac.toString());
        assertEquals(mac, MacAddress.parse(mac.toString()));
        assertEquals(mac.hashCode(), MacAddress.of(mac.octets()).hashCode());
        assertTrue(mac.isLocallyAdministered());
        assertFalse(MacAddress.parse("00:1b:21:00:00:01").isLocallyAdministered());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "52:54:00:12:34", "52:54:00:12:34:56:78", "52-54-00-12-34-56", "5254.0012.3456",
        "52:54:00:12:34:5", "52:54:00:12:34:567", "52:54:00:12:34:5g", "52:54:00:12:34:", " 52:54:00:12:34:56",
        "+5:54:00:12:34:56"})
    void refusesWhatIsNotSixHexOctetsNamingTheInput(String text) {
        var e = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(text));
        assertTrue(e.getMessage().contains("\"" + text + "\""), e.getMessage());
        assertTrue(e.getMessage().contains("52:54:00:12:34:56"), "shows the expected form");
    }

    @ParameterizedTest
    @ValueSource(strings = {"01:00:5e:00:00:01", "33:33:00:00:00:01", "ff:ff:ff:ff:ff:ff", "53:54:00:12:34:56"})
    void refusesMulticastAndBroadcast(String text) {
        var e = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(text));
        assertTrue(e.getMessage().contains(text) && e.getMessage().contains("multicast"), e.getMessage());
    }

    @Test
    void refusesAllZerosAndWrongLengths() {
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("00:00:00:00:00:00"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.of(new byte[5]));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.of(new byte[] {1, 0, 0, 0, 0, 1}));
    }

    @Test
    void derivedAddressesAreStableLocallyAdministeredUnicastAndDistinct() {
        MacAddress a = MacAddress.derived("vm-7f3a", 0);
        assertEquals(a, MacAddress.derived("vm-7f3a", 0));
        assertNotEquals(a, MacAddress.derived("vm-7f3a", 1));
        assertNotEquals(a, MacAddress.derived("vm-7f3b", 0));
        Set<MacAddress> seen = new HashSet<>();
        for (int vm = 0; vm < 200; vm++) {
            for (int nic = 0; nic < 5; nic++) {
                MacAddress mac = MacAddress.derived("vm" + vm, nic);
                assertTrue(mac.isLocallyAdministered(), mac.toString());
                assertEquals(0, mac.octets()[0] & 1, "unicast: " + mac);
                assertEquals(mac, MacAddress.parse(mac.toString()));
                seen.add(mac);
            }
        }
        assertEquals(1000, seen.size());
    }
}
