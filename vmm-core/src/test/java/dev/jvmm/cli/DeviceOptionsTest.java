package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jvmm.core.devices.DiskSpec;
import dev.jvmm.core.devices.NetSpec;
import dev.jvmm.core.devices.VsockSpec;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class DeviceOptionsTest {
    @Test
    void diskIsAPathWithOptionalReadOnlyAndSerialInAnyOrder() {
        assertEquals(new DiskSpec(Path.of("/img/root.img"), false, Optional.empty()),
                DeviceOptions.disk("/img/root.img"));
        assertEquals(new DiskSpec(Path.of("data.img"), true, Optional.of("data-01")),
                DeviceOptions.disk("data.img,ro,id=data-01"));
        assertEquals(new DiskSpec(Path.of("data.img"), true, Optional.of("data-01")),
                DeviceOptions.disk("data.img,id=data-01,ro"));
        assertEquals(new DiskSpec(Path.of("a.img"), false, Optional.of("x".repeat(20))),
                DeviceOptions.disk("a.img,id=" + "x".repeat(20)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''                         | --disk '': the image path comes first (--disk PATH[,ro][,id=SERIAL])",
            ",ro                        | --disk ',ro': the image path comes first (--disk PATH[,ro][,id=SERIAL])",
            "a.img,rw                   | --disk 'a.img,rw': unknown parameter 'rw' (expected ro or id=SERIAL)",
            "a.img,ro=yes               | --disk 'a.img,ro=yes': ro takes no value",
            "a.img,ro,ro                | --disk 'a.img,ro,ro': ro is given twice",
            "a.img,id=                  | --disk 'a.img,id=': id needs a value (id=...)",
            "a.img,id                   | --disk 'a.img,id': id needs a value (id=...)",
            "a.img,,ro                  | --disk 'a.img,,ro': empty parameter",
            "a.img,id=123456789012345678901 | --disk 'a.img,id=123456789012345678901': the id \"123456789012345678901\" is longer than 20 bytes",
            "a.img,id=d\u00e9j\u00e0    | --disk 'a.img,id=d\u00e9j\u00e0': the id \"d\u00e9j\u00e0\" has a character other than printable ASCII without space or comma",
    })
    void diskMistakesAreOneLineNamingOptionAndValue(String value, String message) {
        assertEquals(message, assertThrows(UsageException.class, () -> DeviceOptions.disk(value)).getMessage());
    }

    @Test
    void netNeedsATapAndTakesAMacOrGetsAFixedDefaultPerDevice() {
        NetSpec first = DeviceOptions.net("tap=tap0", 0);
        assertEquals(first, DeviceOptions.net("tap=tap0", 0), "the same on every boot");
        assertEquals(NetSpec.defaultMac("tap0", 0), first.mac());
        assertTrue(!first.mac().equals(DeviceOptions.net("tap=tap1", 1).mac()), "differs per TAP and position");
        assertTrue(!first.mac().equals(DeviceOptions.net("tap=tap0", 1).mac()));
        int firstOctet = Integer.parseInt(first.mac().substring(0, 2), 16);
        assertEquals(0b10, firstOctet & 0b11, "locally administered unicast");
        assertEquals(new NetSpec("jvmm-tap", "02:aa:bb:cc:dd:0e"), DeviceOptions.net("mac=02:AA:bb:CC:dd:0E,tap=jvmm-tap", 0));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''                          | --net '': empty parameter",
            "mac=52:54:00:12:34:56       | --net 'mac=52:54:00:12:34:56': tap=IFNAME is required",
            "tap=tap0,vhost=on           | --net 'tap=tap0,vhost=on': unknown parameter 'vhost' (expected tap=IFNAME or mac=MAC)",
            "tap=                        | --net 'tap=': tap needs a value (tap=...)",
            "tap=a-very-long-interface   | --net 'tap=a-very-long-interface': the interface name \"a-very-long-interface\" must be 1 to 15 characters",
            "tap=tap/0                   | --net 'tap=tap/0': the interface name \"tap/0\" has a character Linux refuses in interface names",
            "tap=tap0,mac=52:54:00:12:34 | --net 'tap=tap0,mac=52:54:00:12:34': the MAC address \"52:54:00:12:34\" is not six octets like 52:54:00:12:34:56",
            "tap=tap0,mac=52:54:00:12:34:zz | --net 'tap=tap0,mac=52:54:00:12:34:zz': the MAC address \"52:54:00:12:34:zz\" is not six octets like 52:54:00:12:34:56",
            "tap=tap0,mac=01:00:5e:00:00:01 | --net 'tap=tap0,mac=01:00:5e:00:00:01': the MAC address \"01:00:5e:00:00:01\" is a multicast address; a device needs a unicast one (first octet even)",
    })
    void netMistakesAreOneLineNamingOptionAndValue(String value, String message) {
        assertEquals(message, assertThrows(UsageException.class, () -> DeviceOptions.net(value, 0)).getMessage());
    }

    @Test
    void vsockTakesTheGuestCidAndTheHostSocket() {
        assertEquals(new VsockSpec(3, Path.of("/tmp/v.sock")), DeviceOptions.vsock("cid=3,socket=/tmp/v.sock"));
        assertEquals(new VsockSpec(0xFFFF_FFFEL, Path.of("v.sock")), DeviceOptions.vsock("socket=v.sock,cid=4294967294"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "cid=3                       | --vsock 'cid=3': cid=N and socket=PATH are both required",
            "cid=x,socket=/tmp/v         | --vsock 'cid=x,socket=/tmp/v': the CID 'x' is not a decimal number",
            "cid=2,socket=/tmp/v         | --vsock 'cid=2,socket=/tmp/v': the guest CID 2 is reserved or out of range: give 3 to 4294967294",
            "cid=4294967295,socket=/tmp/v | --vsock 'cid=4294967295,socket=/tmp/v': the guest CID 4294967295 is reserved or out of range: give 3 to 4294967294",
            "cid=3,socket=/tmp/v,port=1  | --vsock 'cid=3,socket=/tmp/v,port=1': unknown parameter 'port' (expected cid=N and socket=PATH)",
    })
    void vsockMistakesAreOneLineNamingOptionAndValue(String value, String message) {
        assertEquals(message, assertThrows(UsageException.class, () -> DeviceOptions.vsock(value)).getMessage());
    }

    @Test
    void vsockSocketPathMustFitSunPath() {
        String path = "/" + "s".repeat(107);
        UsageException e = assertThrows(UsageException.class, () -> DeviceOptions.vsock("cid=3,socket=" + path));
        assertEquals("--vsock 'cid=3,socket=" + path + "': the socket path must be 1 to 107 bytes, not 108",
                e.getMessage());
    }

    @Test
    void controlCharactersInAValueAreEscapedSoTheErrorStaysOneLine() {
        UsageException e = assertThrows(UsageException.class, () -> DeviceOptions.disk("a.img,id=x\ny\u0001"));
        assertEquals("--disk 'a.img,id=x\\ny\\x01': the id \"x\\ny\\x01\" has a character other than printable ASCII"
                + " without space or comma", e.getMessage());
    }
}
