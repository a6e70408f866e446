package dev.jvmm.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Guest artifacts and host facilities a test needs: skipped with the reason when absent, failed when the run requires
 * KVM tests.
 */
public final class Artifacts {
    private Artifacts() {}

    public static Path require(Optional<Path> artifact, String missingReason) {
        require(artifact.isPresent(), missingReason);
        return artifact.orElseThrow();
    }

    /** The same for anything else a test needs of the host (a tool, a capability): {@code present} or skip/fail. */
    public static void require(boolean present, String missingReason) {
        if (!present && Boolean.getBoolean(KvmCondition.REQUIRE_PROPERTY)) {
            fail(missingReason + " (" + KvmCondition.REQUIRE_PROPERTY + " is set, so this cannot skip)");
        }
        assumeTrue(present, missingReason);
    }
}
