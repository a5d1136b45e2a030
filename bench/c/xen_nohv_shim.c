/*
 * xen_nohv_shim: an LD_PRELOAD library that lets Xen 4.17's C xenstored run on a host without
 * the Xen hypervisor, so bench/xenstore.sh can drive it over its Unix socket side by side with
 * jxen-xenstored.
 *
 * Why it is needed: `xenstored -D` (no domain init) starts, but every socket request then
 * crashes it (SIGSEGV): the node accounting looks up domain 0 through xc_domain_getinfo() on
 * the xc handle that only domain_init() opens. Without -D, domain_init() fails at
 * xc_interface_open() ("Could not obtain handle on privileged command interface").
 *
 * What it fakes (every symbol xenstored 4.17 imports from libxenctrl, libxenevtchn and
 * libxengnttab, per `nm -D --undefined-only xenstored`):
 *   - xc_interface_open/close: a dummy handle; xc_domain_getinfo: only domain 0 exists,
 *     running (so dom0's accounting works and no other domain is ever "found").
 *   - xenevtchn_*: a handle whose fd is an eventfd that never becomes readable (the
 *     VIRQ_DOM_EXC handler never runs); binds return increasing port numbers.
 *   - xengnttab_*: opens fine, mapping a guest's ring fails (no guest is ever introduced).
 *   - open("/proc/xen/xsd_port") and open("/proc/xen/xsd_kva"): memfds holding "1" and a
 *     zeroed 4 KiB page, so dom0_init() maps an idle ring (req_cons == req_prod: no traffic).
 * The socket path (accept, read, the store, write) is xenstored's own and untouched.
 *
 * Build: gcc -O2 -shared -fPIC -o xen_nohv_shim.so xen_nohv_shim.c -ldl
 * Use:   LD_PRELOAD=.../xen_nohv_shim.so XENSTORED_RUNDIR=DIR xenstored -N -F DIR/pid
 * The unversioned definitions here satisfy xenstored's versioned references (VERS_4.17.0,
 * VERS_1.0): glibc's lookup accepts an unversioned definition from a preloaded object.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

/* xenctrl.h (Xen 4.17): the start of xc_dominfo_t, as far as xenstored reads it. */
struct shim_dominfo {
    uint32_t domid;
    uint32_t ssidref;
    unsigned int dying : 1, crashed : 1, shutdown : 1, paused : 1, blocked : 1, running : 1, hvm : 1,
        debugged : 1, xenstore : 1, hap : 1;
};

static int dummy_xc, dummy_gnt;
static int evtchn_fd = -1;
static uint32_t next_port = 10;

void *xc_interface_open(void *logger, void *dombuild_logger, unsigned open_flags) {
    (void)logger, (void)dombuild_logger, (void)open_flags;
    return &dummy_xc;
}

int xc_interface_close(void *xch) {
    (void)xch;
    return 0;
}

/* Only domain 0 exists. The caller's buffer is a full xc_dominfo_t; we fill its head. */
int xc_domain_getinfo(void *xch, uint32_t first_domid, unsigned int max_doms, struct shim_dominfo *info) {
    (void)xch;
    if (first_domid != 0 || max_doms < 1) {
        return 0;
    }
    memset(info, 0, sizeof(*info));
    info->domid = 0;
    info->running = 1;
    return 1;
}

void *xenevtchn_open(void *logger, unsigned open_flags) {
    (void)logger, (void)open_flags;
    if (evtchn_fd < 0) {
        evtchn_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (evtchn_fd < 0) {
            return NULL;
        }
    }
    return &evtchn_fd;
}

void *xenevtchn_fdopen(void *logger, int fd, unsigned open_flags) {
    (void)logger, (void)fd, (void)open_flags;
    errno = ENOSYS;
    return NULL;
}

int xenevtchn_close(void *xce) {
    (void)xce;
    return 0;
}

int xenevtchn_fd(void *xce) {
    (void)xce;
    return evtchn_fd;
}

int xenevtchn_bind_virq(void *xce, unsigned int virq) {
    (void)xce, (void)virq;
    return (int)next_port++;
}

int xenevtchn_bind_interdomain(void *xce, uint32_t domid, uint32_t remote_port) {
    (void)xce, (void)domid, (void)remote_port;
    return (int)next_port++;
}

int xenevtchn_notify(void *xce, uint32_t port) {
    (void)xce, (void)port;
    return 0;
}

int xenevtchn_pending(void *xce) {
    (void)xce;
    errno = EAGAIN;
    return -1;
}

int xenevtchn_unmask(void *xce, uint32_t port) {
    (void)xce, (void)port;
    return 0;
}

int xenevtchn_unbind(void *xce, uint32_t port) {
    (void)xce, (void)port;
    return 0;
}

void *xengnttab_open(void *logger, unsigned open_flags) {
    (void)logger, (void)open_flags;
    return &dummy_gnt;
}

int xengnttab_close(void *xgt) {
    (void)xgt;
    return 0;
}

int xengnttab_set_max_grants(void *xgt, uint32_t nr_grants) {
    (void)xgt, (void)nr_grants;
    return 0;
}

void *xengnttab_map_grant_ref(void *xgt, uint32_t domid, uint32_t ref, int prot) {
    (void)xgt, (void)domid, (void)ref, (void)prot;
    errno = ENOSYS;
    return NULL;
}

int xengnttab_unmap(void *xgt, void *start_address, uint32_t count) {
    (void)xgt, (void)start_address, (void)count;
    return 0;
}

static int memfd_with(const char *name, const void *data, size_t len, size_t size) {
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    if (ftruncate(fd, (off_t)size) != 0 || (len > 0 && pwrite(fd, data, len, 0) != (ssize_t)len)) {
        close(fd);
        return -1;
    }
    return fd;
}

int open(const char *path, int flags, ...) {
    static int (*real_open)(const char *, int, ...);
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    if (strcmp(path, "/proc/xen/xsd_port") == 0) {
        return memfd_with("xsd_port", "1\n", 2, 2);
    }
    if (strcmp(path, "/proc/xen/xsd_kva") == 0) {
        return memfd_with("xsd_kva", NULL, 0, (size_t)getpagesize());
    }
    if (!real_open) {
        real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
    }
    return real_open(path, flags, mode);
}
