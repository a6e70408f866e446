/*
 * vsock-ping PORT MESSAGE: connects from a Linux guest to the host (CID 2, VMADDR_CID_HOST) on PORT over AF_VSOCK
 * (vsock(7)), sends MESSAGE, and prints the reply on one line. For the stock-kernel virtio initramfs, whose busybox
 * has no vsock applet. Built static by busybox-virtio-initramfs.sh.
 */
#include <linux/vm_sockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: vsock-ping PORT MESSAGE\n");
        return 2;
    }
    int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
    if (fd < 0) {
        perror("vsock-ping: socket");
        return 1;
    }
    struct sockaddr_vm host = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_HOST, .svm_port = atoi(argv[1])};
    if (connect(fd, (struct sockaddr *)&host, sizeof host) != 0) {
        perror("vsock-ping: connect");
        return 1;
    }
    size_t length = strlen(argv[2]);
    if (write(fd, argv[2], length) != (ssize_t)length) {
        perror("vsock-ping: write");
        return 1;
    }
    char reply[256];
    ssize_t n = read(fd, reply, sizeof reply - 1);
    if (n <= 0) {
        fprintf(stderr, "vsock-ping: no reply\n");
        return 1;
    }
    reply[n] = 0;
    printf("%s\n", reply);
    return close(fd) == 0 ? 0 : 1;
}
