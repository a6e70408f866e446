package dev.jvmm.core.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CloserTest {
    @Test
    void runsStepsInReverseOrderAndEachOnce() {
        List<String> ran = new ArrayList<>();
        Closer closer = new Closer();
        closer.push("a", () -> ran.add("a"));
        closer.push("b", () -> ran.add("b"));
        closer.push("c", () -> ran.add("c"));
        closer.close();
        closer.close();
        assertEquals(List.of("c", "b", "a"), ran);
    }

    @Test
    void aFailingStepDoesNotStopTheOthers() {
        List<String> ran = new ArrayList<>();
        Closer closer = new Closer();
        closer.push("a", () -> ran.add("a"));
        closer.push("b", () -> { throw new java.io.IOException("EIO"); });
        closer.push("c", () -> ran.add("c"));
        closer.close();
        assertEquals(List.of("c", "a"), ran);
    }
}
