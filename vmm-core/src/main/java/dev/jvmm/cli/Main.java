package dev.jvmm.cli;

/** Entry point of the {@code jvmm} command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.out.println("jvmm");
    }
}
