/*
 * marktime: runs a command with its stdout on a pipe and reports, on stderr,
 *   marker_ms=<ms> total_ms=<ms> maxrss_kib=<KiB> cpu_ms=<ms> status=<exit status or 128+signal> start_ns=<ns>
 * marker_ms: from just before fork() to the read() that returned the first line containing MARKER
 *            (-1 if it never came); total_ms: to the child's exit as seen by wait4();
 * maxrss_kib: the child's ru_maxrss from wait4() (the same figure as /usr/bin/time -f %M:
 *             peak RSS of the child and of any descendants it waited for);
 * cpu_ms: the child's user + system CPU time from the same wait4() (descendants included);
 * start_ns: CLOCK_MONOTONIC at t0 in ns, the clock of the JVM's System.nanoTime() and of
 *           -Xlog's "timenanos" decoration, so JVM log lines can be placed on the same axis.
 * The child's stdin is /dev/null; its stdout is copied to the file given by -o (or dropped).
 * Clock: CLOCK_MONOTONIC. Overhead: one read() per pipe chunk, well under 0.1 ms.
 *
 * usage: marktime [-o FILE] MARKER -- COMMAND [ARG...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static double now_ms(void) {
    return now_ns() / 1e6;
}

int main(int argc, char **argv) {
    const char *out = NULL;
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "-o") == 0) { out = argv[i + 1]; i += 2; }
    if (i + 2 >= argc || strcmp(argv[i + 1], "--") != 0) {
        fprintf(stderr, "usage: marktime [-o FILE] MARKER -- COMMAND [ARG...]\n");
        return 2;
    }
    const char *marker = argv[i];
    char **cmd = &argv[i + 2];
    int outfd = -1;
    if (out && (outfd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        perror(out);
        return 2;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) { perror("pipe2"); return 2; }
    long long t0_ns = now_ns();
    double t0 = t0_ns / 1e6;
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 2; }
    if (pid == 0) {
        int nul = open("/dev/null", O_RDONLY);
        dup2(nul, 0);
        dup2(p[1], 1);
        execvp(cmd[0], cmd);
        perror(cmd[0]);
        _exit(127);
    }
    close(p[1]);
    /* Lines can span reads: keep the tail of the current line (bounded) to match across chunks. */
    char buf[65536], line[4096];
    size_t linelen = 0;
    double marker_ms = -1;
    ssize_t n;
    while ((n = read(p[0], buf, sizeof buf)) != 0) {
        if (n < 0) { if (errno == EINTR) continue; perror("read"); break; }
        double t = now_ms();
        if (outfd >= 0 && write(outfd, buf, n) != n) { perror("write"); outfd = -1; }
        if (marker_ms >= 0) continue;
        for (ssize_t k = 0; k < n && marker_ms < 0; k++) {
            if (buf[k] == '\n') {
                line[linelen] = 0;
                if (strstr(line, marker)) marker_ms = t - t0;
                linelen = 0;
            } else if (linelen < sizeof line - 1) {
                line[linelen++] = buf[k];
            }
        }
        if (marker_ms < 0 && linelen) { /* a marker line may arrive without its newline yet */
            line[linelen] = 0;
            if (strstr(line, marker)) marker_ms = t - t0;
        }
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) { perror("wait4"); return 2; }
    }
    double total_ms = now_ms() - t0;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    double cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    fprintf(stderr, "marker_ms=%.3f total_ms=%.3f maxrss_kib=%ld cpu_ms=%.1f status=%d start_ns=%lld\n", marker_ms, total_ms,
            ru.ru_maxrss, cpu_ms, code, t0_ns);
    return 0;
}
