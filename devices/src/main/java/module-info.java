/** Device models and the small contracts they need: guest memory view, buses, interrupt lines. */
module dev.jvmm.devices {
    requires dev.jvmm.bindings;
    exports dev.jvmm.devices.memory;
    exports dev.jvmm.devices.bus;
    exports dev.jvmm.devices.irq;
    exports dev.jvmm.devices.serial;
    exports dev.jvmm.devices.i8042;
    exports dev.jvmm.devices.rtc;
    exports dev.jvmm.devices.acpi;
    exports dev.jvmm.devices.event;
    exports dev.jvmm.devices.virtio;
    exports dev.jvmm.devices.virtio.queue;
    exports dev.jvmm.devices.virtio.mmio;
    exports dev.jvmm.devices.virtio.blk;
    exports dev.jvmm.devices.virtio.rng;
    exports dev.jvmm.devices.virtio.net;
    exports dev.jvmm.devices.virtio.vsock;
}
