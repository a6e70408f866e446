/** KVM wrappers, VM and vCPU lifecycle, boot loaders, x86 setup and the jvmm CLI. */
module dev.jvmm.core {
    requires dev.jvmm.bindings;
    requires dev.jvmm.devices;
    requires info.picocli;
    requires org.slf4j;
    requires com.fasterxml.jackson.core;
    requires jdk.management;
    opens dev.jvmm.cli to info.picocli;
}
