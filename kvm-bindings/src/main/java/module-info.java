/** Generated FFM bindings of {@code <linux/kvm.h>} and the thin libc syscall layer: the only native access. */
module dev.jvmm.bindings {
    exports dev.jvmm.bindings.kvm;
    exports dev.jvmm.bindings.libc;
    exports dev.jvmm.sys;
}
