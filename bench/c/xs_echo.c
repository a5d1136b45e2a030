/*
 * xs_echo: the C ceiling for bench/xenstore.sh. An XenStore-framed echo server on a Unix
 * socket: one thread per client (as jxen-xenstored has one virtual thread per client) reads
 * into a 16 KiB buffer, finds the complete messages (struct xsd_sockmsg of xen/io/xs_wire.h:
 * four u32, the last the payload length, then the payload) and writes them back unchanged
 * with one write(2) per read(2). No store, no lock.
 *
 * usage: xs_echo SOCKET   (prints "listening on SOCKET" on stderr when ready)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define HEADER 16          /* sizeof(struct xsd_sockmsg) */
#define PAYLOAD_MAX 4096   /* XENSTORE_PAYLOAD_MAX */
#define BUFFER (16 * 1024)

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void *serve(void *arg) {
    int fd = (int)(intptr_t)arg;
    char buf[BUFFER];
    size_t filled = 0;
    for (;;) {
        ssize_t r = read(fd, buf + filled, sizeof(buf) - filled);
        if (r <= 0) {
            if (r < 0 && errno == EINTR) {
                continue;
            }
            break;
        }
        filled += (size_t)r;
        size_t end = 0;
        while (filled - end >= HEADER) {
            uint32_t len;
            memcpy(&len, buf + end + 12, sizeof(len));
            if (len > PAYLOAD_MAX) {
                goto out;
            }
            if (filled - end < HEADER + len) {
                break;
            }
            end += HEADER + len;
        }
        if (end > 0) {
            if (write_all(fd, buf, end) < 0) {
                break;
            }
            memmove(buf, buf + end, filled - end);
            filled -= end;
        }
    }
out:
    close(fd);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: xs_echo SOCKET\n");
        return 2;
    }
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(argv[1]) >= sizeof(addr.sun_path)) {
        fprintf(stderr, "xs_echo: socket path too long: %s\n", argv[1]);
        return 2;
    }
    strcpy(addr.sun_path, argv[1]);
    unlink(argv[1]);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(s, 128) < 0) {
        perror("xs_echo: socket");
        return 1;
    }
    fprintf(stderr, "listening on %s\n", argv[1]);
    for (;;) {
        int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("xs_echo: accept");
            return 1;
        }
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, serve, (void *)(intptr_t)c) != 0) {
            close(c);
        }
        pthread_attr_destroy(&attr);
    }
}
