/*
 * vm_cycle: the C ceiling for VmLifecycleBench.cycle. One cycle, the same steps as the Java
 * benchmark, straight ioctls on the same host:
 *   KVM_CREATE_VM; mmap 64 KiB anonymous guest RAM and copy a 5-byte guest into it;
 *   KVM_SET_USER_MEMORY_REGION (slot 0, GPA 0); KVM_CREATE_VCPU; mmap kvm_run;
 *   KVM_GET_SREGS / KVM_SET_SREGS (32-bit protected mode, flat segments, paging off);
 *   KVM_SET_REGS (RIP 0x1000); KVM_RUN until KVM_EXIT_IO (the guest does `out 0x10, al`);
 *   munmap kvm_run, close the vCPU, close the VM, munmap the RAM.
 * /dev/kvm is opened once. Prints one line per measured iteration and a summary:
 *   iteration <i>: <ops/s>
 *   vm_cycle: mean=<ops/s> min=<ops/s> max=<ops/s> iterations=<n> seconds=<s> us_per_cycle=<us>
 *
 * usage: vm_cycle [-w WARMUP_ITERATIONS] [-i ITERATIONS] [-t SECONDS_PER_ITERATION]   (defaults 3, 5, 1)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RAM_SIZE (64 * 1024)
#define GUEST_CODE 0x1000
#define GUEST_PORT 0x10

/* mov al, 0x42; out 0x10, al; hlt */
static const unsigned char guest[] = {0xb0, 0x42, 0xe6, GUEST_PORT, 0xf4};

static void die(const char *what) {
    fprintf(stderr, "vm_cycle: %s: %s\n", what, strerror(errno));
    exit(1);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void cycle(int kvm, int run_size) {
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) die("KVM_CREATE_VM");
    void *ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED) die("mmap guest RAM");
    memcpy((char *)ram + GUEST_CODE, guest, sizeof guest);
    struct kvm_userspace_memory_region mr = {
        .slot = 0, .flags = 0, .guest_phys_addr = 0, .memory_size = RAM_SIZE, .userspace_addr = (unsigned long)ram};
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &mr) < 0) die("KVM_SET_USER_MEMORY_REGION");
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) die("KVM_CREATE_VCPU");
    struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) die("mmap kvm_run");

    struct kvm_sregs s;
    if (ioctl(vcpu, KVM_GET_SREGS, &s) < 0) die("KVM_GET_SREGS");
    struct kvm_segment code = {.base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 0xb, .present = 1,
                               .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1};
    struct kvm_segment data = code;
    data.selector = 0x18;
    data.type = 0x3;
    s.cs = code;
    s.ds = s.es = s.fs = s.gs = s.ss = data;
    s.cr0 = 0x11; /* PE | ET */
    s.cr3 = 0;
    s.cr4 = 0;
    s.efer = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &s) < 0) die("KVM_SET_SREGS");
    struct kvm_regs r;
    memset(&r, 0, sizeof r);
    r.rip = GUEST_CODE;
    r.rflags = 0x2;
    if (ioctl(vcpu, KVM_SET_REGS, &r) < 0) die("KVM_SET_REGS");
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            die("KVM_RUN");
        }
        if (run->exit_reason == KVM_EXIT_IO) break;
        fprintf(stderr, "vm_cycle: unexpected exit reason %u\n", run->exit_reason);
        exit(1);
    }
    if (run->io.port != GUEST_PORT || run->io.direction != KVM_EXIT_IO_OUT
        || *((unsigned char *)run + run->io.data_offset) != 0x42) {
        fprintf(stderr, "vm_cycle: wrong I/O exit: port 0x%x dir %u\n", run->io.port, run->io.direction);
        exit(1);
    }
    munmap(run, run_size);
    close(vcpu);
    close(vm);
    munmap(ram, RAM_SIZE);
}

int main(int argc, char **argv) {
    int warmup = 3, iterations = 5;
    double seconds = 1.0;
    int opt;
    while ((opt = getopt(argc, argv, "w:i:t:")) != -1) {
        switch (opt) {
        case 'w': warmup = atoi(optarg); break;
        case 'i': iterations = atoi(optarg); break;
        case 't': seconds = atof(optarg); break;
        default:
            fprintf(stderr, "usage: vm_cycle [-w WARMUP_ITERATIONS] [-i ITERATIONS] [-t SECONDS_PER_ITERATION]\n");
            return 2;
        }
    }
    if (iterations < 1 || seconds <= 0) {
        fprintf(stderr, "vm_cycle: -i must be >= 1 and -t > 0\n");
        return 2;
    }
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) die("/dev/kvm");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size < 0) die("KVM_GET_VCPU_MMAP_SIZE");
    double sum = 0, min = 1e300, max = 0;
    for (int it = -warmup; it < iterations; it++) {
        long n = 0;
        double t0 = now(), t;
        do {
            cycle(kvm, run_size);
            n++;
        } while ((t = now()) - t0 < seconds);
        double ops = n / (t - t0);
        if (it < 0) {
            printf("warmup %d: %.1f ops/s\n", it + warmup + 1, ops);
            continue;
        }
        printf("iteration %d: %.1f ops/s\n", it + 1, ops);
        sum += ops;
        if (ops < min) min = ops;
        if (ops > max) max = ops;
    }
    double mean = sum / iterations;
    printf("vm_cycle: mean=%.1f min=%.1f max=%.1f iterations=%d seconds=%g us_per_cycle=%.1f\n", mean, min, max,
           iterations, seconds, 1e6 / mean);
    close(kvm);
    return 0;
}
