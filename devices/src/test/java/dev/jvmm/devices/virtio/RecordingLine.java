package dev.jvmm.devices.virtio;

import dev.jvmm.devices.irq.InterruptLine;

/** An interrupt line that remembers its level and how often it was raised. */
public final class RecordingLine implements InterruptLine {
    private boolean level;
    private int raised;

    @Override
    public synchronized void set(boolean asserted) {
        if (asserted) {
            raised++;
        }
        level = asserted;
    }

    public synchronized boolean level() { return level; }

    public synchronized int raised() { return raised; }
}
