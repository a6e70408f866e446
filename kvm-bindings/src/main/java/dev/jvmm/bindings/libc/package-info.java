/** Generated jextract-style bindings of the libc headers the syscall layer needs. */
package dev.jvmm.bindings.libc;
