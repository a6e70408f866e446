package dev.jvmm.core.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class IoEventTest {
    @Test
    void mmioWithDatamatchKeepsAddressAndLength() {
        IoEvent e = IoEvent.mmio(0xd000_0050L, 4).withDatamatch(1);
        assertEquals(new IoEvent(0xd000_0050L, 4, false, OptionalLong.of(1)), e);
        assertFalse(IoEvent.mmio(0xd000_0050L, 4).datamatch().isPresent());
    }

    @Test
    void refusesLengthsKvmDoesNotMatch() {
        for (int length : new int[] {0, 3, 5, 16, -4}) {
            assertThrows(IllegalArgumentException.class, () -> IoEvent.mmio(0x1000, length), "length " + length);
        }
    }

    @Test
    void refusesDatamatchWiderThanTheAccess() {
        assertThrows(IllegalArgumentException.class, () -> IoEvent.mmio(0x1000, 2).withDatamatch(0x1_0000));
        assertThrows(IllegalArgumentException.class, () -> IoEvent.mmio(0x1000, 4).withDatamatch(-1));
        IoEvent.mmio(0x1000, 4).withDatamatch(0xffff_ffffL);
        IoEvent.mmio(0x1000, 8).withDatamatch(-1);
    }

    @Test
    void refusesPortsAboveFfff() {
        assertThrows(IllegalArgumentException.class, () -> new IoEvent(0x10000, 2, true, OptionalLong.empty()));
    }
}
