/** The thin syscall layer: libc downcalls with errno capture. */
package dev.jvmm.sys;
