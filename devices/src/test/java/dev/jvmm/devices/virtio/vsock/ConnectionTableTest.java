package dev.jvmm.devices.virtio.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The connection table agrees with a map under any sequence of puts and removes, collisions included. */
class ConnectionTableTest {
    private static VsockConnection connection() {
        return VsockConnection.fromHost(new UnixSocket(-1), 3, new RingPool(64, 1), null);
    }

    @Property(tries = 500)
    void behavesLikeAMap(@ForAll long seed, @ForAll @IntRange(min = 1, max = 64) int maxEntries,
                         @ForAll @IntRange(min = 1, max = 8) int portRange) {
        Random random = new Random(seed);
        ConnectionTable table = new ConnectionTable(maxEntries);
        Map<Long, VsockConnection> model = new HashMap<>();
        List<VsockConnection> pool = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            pool.add(connection());
        }
        for (int step = 0; step < 400; step++) {
            int host = random.nextInt(portRange) - (random.nextBoolean() ? 0 : portRange / 2);
            int guest = random.nextInt(portRange) * (random.nextBoolean() ? 1 : -7);
            long key = ConnectionTable.key(host, guest);
            VsockConnection c = pool.get(random.nextInt(pool.size()));
            if (random.nextBoolean() && model.size() < maxEntries && !model.containsKey(key)) {
                table.put(host, guest, c);
                model.put(key, c);
            } else {
                table.remove(host, guest, c);
                if (model.get(key) == c) {
                    model.remove(key);
                }
            }
            assertEquals(model.size(), table.size());
            for (int h = -portRange; h < portRange; h++) {
                for (int g = -7 * portRange; g < portRange; g++) {
                    assertSame(model.get(ConnectionTable.key(h, g)), table.get(h, g));
                }
            }
        }
    }

    @Test
    void refusesMoreThanItsCapacityAndDuplicates() {
        ConnectionTable table = new ConnectionTable(2);
        VsockConnection c = connection();
        table.put(1, 1, c);
        assertThrows(IllegalStateException.class, () -> table.put(1, 1, c));
        table.put(1, 2, c);
        assertThrows(IllegalStateException.class, () -> table.put(1, 3, c));
        table.remove(1, 1, connection());
        assertSame(c, table.get(1, 1), "only the same connection is removed");
        table.clear();
        assertNull(table.get(1, 1));
        assertEquals(0, table.size());
    }

    @Test
    void keysKeepBothPortsApartAndUnsigned() {
        assertEquals(0x0000_0001_ffff_ffffL, ConnectionTable.key(1, -1));
        assertEquals(0xffff_ffff_0000_0001L, ConnectionTable.key(-1, 1));
    }
}
