package dev.jvmm.sys;

/** Placeholder until the syscall layer lands. */
final class Placeholder { private Placeholder() {} }
