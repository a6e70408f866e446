/** Generated jextract-style bindings of linux/kvm.h. */
package dev.jvmm.bindings.kvm;
