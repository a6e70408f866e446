package dev.jvmm.bindings.kvm;

/** Placeholder until the generator emits the bindings. */
final class Placeholder { private Placeholder() {} }
