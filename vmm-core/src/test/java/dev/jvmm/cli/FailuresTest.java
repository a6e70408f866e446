package dev.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jvmm.core.boot.BootException;
import dev.jvmm.core.boot.BootImageException;
import dev.jvmm.core.vm.VmmException;
import dev.jvmm.sys.SyscallException;
import org.junit.jupiter.api.Test;

/** Which failures are the user's input (status 2) and which the VMM's or the host's (status 3). */
class FailuresTest {
    @Test
    void imagesInitrdsAndCommandLinesThatCannotBeBootedAreBadInput() {
        assertEquals(ExitStatus.USAGE, Failures.statusOf(new BootImageException("bzImage", "truncated setup header")));
        assertEquals(ExitStatus.USAGE, Failures.statusOf(new BootException("initrd of 9 GiB does not fit")));
        assertEquals(ExitStatus.USAGE, Failures.statusOf(new UsageException("--memory 'x' is not a size")));
        assertEquals(ExitStatus.USAGE, Failures.statusOf(VmmException.badInput("--disk a.img: no such file")));
    }

    @Test
    void hostAndKvmFailuresAreVmmErrors() {
        assertEquals(ExitStatus.VMM_ERROR, Failures.statusOf(new SyscallException("ioctl", "KVM_RUN", 5)));
        assertEquals(ExitStatus.VMM_ERROR, Failures.statusOf(new IllegalStateException("bug")));
    }
}
