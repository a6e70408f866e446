package dev.jvmm.core.vm;

/** The CPU mode a flat guest is entered in. */
public enum EntryMode {
    /** Real mode at CS=0, IP=load address. */
    REAL,
    /** 64-bit mode at RIP=load address, identity-mapped page tables for the first 4 GiB and a stack set up. */
    LONG
}
