package dev.jvmm.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class that runs guests on /dev/kvm: tagged {@code kvm} (bin/kvm-tests selects them) and disabled, with
 * the reason {@code jvmm check} gives, on hosts that cannot run VMs — unless the system property
 * {@code jvmm.requireKvm=true} says this run exists to run them, in which case nothing is skipped and a missing
 * KVM fails loudly. With {@link #hardwareVirtualization()} it also needs VT-x/AMD-V (e.g. to boot a stock kernel
 * to userspace, which KVM's instruction emulator cannot do).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("kvm")
@ExtendWith(KvmCondition.class)
public @interface KvmTest {
    boolean hardwareVirtualization() default false;
}
