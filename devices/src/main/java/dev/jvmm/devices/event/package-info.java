/** Device threads: an epoll loop over eventfds (ioeventfd notifications, irqfd interrupts) and backend fds. */
package dev.jvmm.devices.event;
