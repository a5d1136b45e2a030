/*
 * xl: jxen's native launcher for Xen's xl command line.
 *
 * It starts no JVM. It connects to jxend's launcher socket ($JXEN_RUNDIR/xl.sock, default
 * /run/jxen/xl.sock), sends its arguments, working directory and the environment variables xl
 * honours, passes its standard input, output and error as descriptors (SCM_RIGHTS), and exits
 * with the status jxend sends back. jxend runs the command on those descriptors itself. The
 * protocol is docs/XL-LAUNCHER.md. When no jxend answers, xl starts the jxend installed beside
 * it (which returns once it serves) and connects again.
 *
 * Signals keep their default action: if xl is killed, its socket closes and jxend cancels the
 * command (and restores the terminal it may have put in raw mode).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAGIC_REQUEST "JXL1"
#define MAGIC_REPLY "JXR1"
#define MAGIC_BUSY "JXRB"
#define MAX_PAYLOAD (256 * 1024)

/* Environment variables passed to jxend: those that shape output, and xl's own. */
static const char *const passed_env[] = {"TERM", "COLUMNS", "LINES", "LANG", "LC_ALL", "LC_CTYPE", NULL};

struct buf {
    char data[MAX_PAYLOAD];
    size_t len;
};

static int put(struct buf *b, const void *p, size_t n)
{
    if (n > sizeof(b->data) - b->len)
        return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

static int put_u32(struct buf *b, uint32_t v)
{
    unsigned char le[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff};
    return put(b, le, 4);
}

static int put_str(struct buf *b, const char *s)
{
    return put(b, s, strlen(s) + 1);
}

static int wanted_env(const char *kv)
{
    if (strncmp(kv, "XL_", 3) == 0)
        return 1;
    for (const char *const *n = passed_env; *n; n++) {
        size_t l = strlen(*n);
        if (strncmp(kv, *n, l) == 0 && kv[l] == '=')
            return 1;
    }
    return 0;
}

static int try_connect(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(a.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Starts DIR/jxend (it returns once it serves); returns its exit status, or -1 with errno. */
static int start_jxend(const char *jxend)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execl(jxend, "jxend", (char *)NULL);
        fprintf(stderr, "xl: cannot run %s: %s\n", jxend, strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * Several xl started together with no jxend must start one jxend, not race to start several:
 * the first takes an exclusive lock on RUNDIR/.xl-start.lock, the others wait for it and then
 * find jxend answering. Without a usable run directory, no lock (the start then reports).
 */
static int lock_start(const char *rundir)
{
    char path[PATH_MAX];
    mkdir(rundir, 0755);
    snprintf(path, sizeof(path), "%s/.xl-start.lock", rundir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0)
        while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
            ;
    return fd;
}

int main(int argc, char **argv)
{
    const char *rundir = getenv("JXEN_RUNDIR");
    if (!rundir || !*rundir)
        rundir = "/run/jxen";
    char sock[PATH_MAX];
    snprintf(sock, sizeof(sock), "%s/xl.sock", rundir);

    /* -v among xl's global options (before the command): say what the launcher does. */
    int verbose = 0;
    for (int i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (argv[i][1] != '-' && strchr(argv[i] + 1, 'v'))
            verbose = 1;
    }

    static struct buf b;
    memcpy(b.data, MAGIC_REQUEST, 4);
    b.len = 8; /* magic, then the payload length, filled in below */
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd))) {
        fprintf(stderr, "xl: cannot read the working directory: %s\n", strerror(errno));
        return 1;
    }
    extern char **environ;
    uint32_t envc = 0;
    for (char **e = environ; *e; e++)
        envc += wanted_env(*e);
    int bad = put_u32(&b, (uint32_t)(argc - 1));
    for (int i = 1; i < argc; i++)
        bad |= put_str(&b, argv[i]);
    bad |= put_str(&b, cwd);
    bad |= put_u32(&b, envc);
    for (char **e = environ; *e; e++)
        if (wanted_env(*e))
            bad |= put_str(&b, *e);
    if (bad) {
        fprintf(stderr, "xl: the command line is too long (more than %d bytes)\n", MAX_PAYLOAD - 8);
        return 1;
    }
    uint32_t payload = (uint32_t)(b.len - 8);
    unsigned char le[4] = {payload & 0xff, (payload >> 8) & 0xff, (payload >> 16) & 0xff, (payload >> 24) & 0xff};
    memcpy(b.data + 4, le, 4);

    int fd = try_connect(sock);
    int lock = -1;
    if (fd < 0 && (errno == ENOENT || errno == ECONNREFUSED)) {
        lock = lock_start(rundir);
        fd = try_connect(sock);
    }
    if (fd < 0 && (errno == ENOENT || errno == ECONNREFUSED)) {
        int why = errno;
        char self[PATH_MAX], jxend[PATH_MAX + 8];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0) {
            fprintf(stderr, "xl: cannot connect to jxend at %s (%s), and cannot find jxend to start it\n", sock,
                    strerror(why));
            return 1;
        }
        self[n] = 0;
        char *slash = strrchr(self, '/');
        *slash = 0;
        snprintf(jxend, sizeof(jxend), "%s/jxend", self);
        if (access(jxend, X_OK) != 0) {
            fprintf(stderr, "xl: cannot connect to jxend at %s (%s), and there is no %s to start\n", sock,
                    strerror(why), jxend);
            return 1;
        }
        if (verbose)
            fprintf(stderr, "xl: no jxend answers at %s; starting %s\n", sock, jxend);
        int st = start_jxend(jxend);
        if (st != 0) {
            /* jxend printed its own reason on stderr. */
            fprintf(stderr, "xl: cannot start jxend (%s exited with status %d)\n", jxend, st);
            return 1;
        }
        fd = try_connect(sock);
    }
    if (fd < 0) {
        fprintf(stderr, "xl: cannot connect to jxend at %s: %s\n", sock, strerror(errno));
        return 1;
    }
    if (lock >= 0)
        close(lock);

    /* The payload, with our three standard descriptors on its first byte. */
    int send_err = 0;
    int fds[3] = {0, 1, 2};
    char control[CMSG_SPACE(sizeof(fds))];
    memset(control, 0, sizeof(control));
    size_t off = 0;
    while (off < b.len) {
        struct iovec iov = {.iov_base = b.data + off, .iov_len = b.len - off};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
        if (off == 0) {
            m.msg_control = control;
            m.msg_controllen = sizeof(control);
            struct cmsghdr *c = CMSG_FIRSTHDR(&m);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(fds));
            memcpy(CMSG_DATA(c), fds, sizeof(fds));
        }
        ssize_t n = sendmsg(fd, &m, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            /* jxend may have answered without reading (busy): read that before reporting. */
            send_err = errno;
            break;
        }
        off += (size_t)n;
    }

    /* The reply: magic and the exit status, once the command has finished. */
    unsigned char reply[8];
    size_t got = 0;
    while (got < sizeof(reply)) {
        ssize_t n = read(fd, reply + got, sizeof(reply) - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (send_err)
                fprintf(stderr, "xl: cannot send the command to jxend at %s: %s\n", sock, strerror(send_err));
            else
                fprintf(stderr, "xl: jxend closed the connection without an exit status%s%s\n", n < 0 ? ": " : "",
                        n < 0 ? strerror(errno) : "");
            return 1;
        }
        got += (size_t)n;
    }
    if (memcmp(reply, MAGIC_BUSY, 4) == 0) {
        int32_t limit = (int32_t)(reply[4] | reply[5] << 8 | reply[6] << 16 | (uint32_t)reply[7] << 24);
        fprintf(stderr, "xl: jxend is busy: it runs at most %d commands at once; try again\n", limit);
        return 1;
    }
    if (memcmp(reply, MAGIC_REPLY, 4) != 0) {
        fprintf(stderr, "xl: jxend sent a reply this xl does not understand (is xl older than jxend?)\n");
        return 1;
    }
    int32_t status = (int32_t)(reply[4] | reply[5] << 8 | reply[6] << 16 | (uint32_t)reply[7] << 24);
    return status & 0xff;
}
