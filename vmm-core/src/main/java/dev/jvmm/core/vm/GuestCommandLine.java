package dev.jvmm.core.vm;

import dev.jvmm.core.boot.CommandLine;
import dev.jvmm.core.boot.CommandLineTooLongException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The command line a Linux guest gets: the user's {@code --cmdline} (or {@link VirtualMachine#DEFAULT_CMDLINE})
 * followed by the parameters jvmm adds for its devices ({@code virtio_mmio.device=...}), and the one line the
 * user reads when the whole is longer than the kernel takes.
 */
final class GuestCommandLine {
    private GuestCommandLine() {}

    static CommandLine of(Optional<String> user, List<String> added) {
        CommandLine cmdline = new CommandLine(user.orElse(VirtualMachine.DEFAULT_CMDLINE));
        added.forEach(cmdline::append);
        return cmdline;
    }

    /** Bad input saying how long the command line is, how much of it jvmm added, and what to change. */
    static VmmException tooLong(CommandLineTooLongException e, List<String> added) {
        if (added.isEmpty()) {
            return VmmException.badInput(e.getMessage() + ": shorten --cmdline");
        }
        int addedBytes = added.stream().mapToInt(p -> p.getBytes(StandardCharsets.UTF_8).length + 1).sum();
        return VmmException.badInput(e.getMessage() + ", and jvmm adds " + addedBytes + " bytes of virtio_mmio.device="
                + " parameters for its " + added.size() + " virtio device" + (added.size() == 1 ? "" : "s")
                + ": shorten --cmdline or configure fewer devices");
    }
}
