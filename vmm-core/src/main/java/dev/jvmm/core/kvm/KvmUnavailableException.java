package dev.jvmm.core.kvm;

import dev.jvmm.core.vm.VmmException;

/** /dev/kvm cannot be used on this host; the message says why and points at {@code jvmm check}. */
public final class KvmUnavailableException extends VmmException {
    public KvmUnavailableException(String message, Throwable cause) {
        super(message, false, cause);
    }
}
