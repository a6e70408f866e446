package dev.jvmm.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jvmm.bindings.kvm.kvm_h;
import dev.jvmm.bindings.libc.libc_h;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Tagged {@code kvm}: bin/kvm-tests runs it where /dev/kvm exists, with jvmm.requireKvm=true so it cannot skip. */
@Tag("kvm")
class KvmSmokeTest {

    @Test
    void devKvmSpeaksApiVersion12() {
        assumeTrue(Boolean.getBoolean("jvmm.requireKvm") || Files.exists(Path.of("/dev/kvm")),
            "/dev/kvm is absent on this host (no KVM module bound), so there is no KVM to ask");
        int kvm = Libc.open("/dev/kvm", libc_h.O_RDWR());
        try {
            assertEquals(12, Libc.ioctl(kvm, kvm_h.KVM_GET_API_VERSION(), "KVM_GET_API_VERSION"));
            assertEquals(kvm_h.KVM_API_VERSION(), 12);
        } finally {
            Libc.close(kvm);
        }
    }
}
