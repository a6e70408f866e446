/* KVM_RUN on a descriptor that is not open, from C: the kernel answers EBADF at once, so this times the crossing
 * into the kernel and back that every exit of a C VMM pays. Reference for KvmRunDowncallBenchmark (bench/run).
 * Usage: ioctl-ebadf CALLS. Prints: calls=<n> ns_per_call=<x> */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    long calls = argc > 1 ? atol(argv[1]) : 10000000;
    long failed = 0;
    double t0 = now();
    for (long i = 0; i < calls; i++) {
        failed += ioctl(-1, KVM_RUN, 0) < 0 && errno == EBADF;
    }
    double t = now() - t0;
    if (failed != calls) {
        fprintf(stderr, "ioctl-ebadf: %ld of %ld calls did not fail with EBADF\n", calls - failed, calls);
        return 1;
    }
    printf("calls=%ld ns_per_call=%.1f\n", calls, t * 1e9 / calls);
    return 0;
}
