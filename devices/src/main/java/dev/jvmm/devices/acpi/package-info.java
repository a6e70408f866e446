/** ACPI fixed-function hardware of a hardware-reduced platform: the sleep control register that powers off. */
package dev.jvmm.devices.acpi;
