package dev.jvmm.devices.event;

/** What an {@link EventLoop} calls when a registered fd is ready. */
@FunctionalInterface
public interface FdHandler {
    /** {@code events} is the epoll event mask (EPOLLIN, EPOLLOUT, EPOLLHUP, EPOLLERR...). Runs on the loop thread. */
    void ready(int events) throws Exception;
}
