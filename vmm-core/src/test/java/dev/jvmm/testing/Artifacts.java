package dev.jvmm.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Optional;

/** Guest artifacts a test needs: skipped with the reason when absent, failed when the run requires KVM tests. */
public final class Artifacts {
    private Artifacts() {}

    public static Path require(Optional<Path> artifact, String missingReason) {
        if (artifact.isEmpty() && Boolean.getBoolean(KvmCondition.REQUIRE_PROPERTY)) {
            fail(missingReason + " (" + KvmCondition.REQUIRE_PROPERTY + " is set, so this cannot skip)");
        }
        assumeTrue(artifact.isPresent(), missingReason);
        return artifact.orElseThrow();
    }
}
