package org.jxen.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.jxen.kvm.abi.KvmH;
import org.jxen.kvm.abi.KvmLayouts;
import org.jxen.sys.Fd;

import static org.jxen.kvm.abi.KvmLayouts.offset;

/**
 * A VM file descriptor (api.rst, "ioctls for VM fds"): memory slots, the in-kernel interrupt
 * controllers and PIT, interrupt lines, irqfd and ioeventfd, VM capabilities, and vCPUs.
 *
 * <p>Thread-safe: KVM serialises VM ioctls itself; jxen keeps no state here.
 */
public final class KvmVm extends KvmFd {
    private static final long MR_SLOT = offset(KvmLayouts.KVM_USERSPACE_MEMORY_REGION, "slot");
    private static final long MR_FLAGS = offset(KvmLayouts.KVM_USERSPACE_MEMORY_REGION, "flags");
    private static final long MR_GPA = offset(KvmLayouts.KVM_USERSPACE_MEMORY_REGION, "guest_phys_addr");
    private static final long MR_SIZE = offset(KvmLayouts.KVM_USERSPACE_MEMORY_REGION, "memory_size");
    private static final long MR_UADDR = offset(KvmLayouts.KVM_USERSPACE_MEMORY_REGION, "userspace_addr");
    private static final long IRQ_IRQ = offset(KvmLayouts.KVM_IRQ_LEVEL, "irq");
    private static final long IRQ_LEVEL = offset(KvmLayouts.KVM_IRQ_LEVEL, "level");
    private static final long IRQFD_FD = offset(KvmLayouts.KVM_IRQFD_LAYOUT, "fd");
    private static final long IRQFD_GSI = offset(KvmLayouts.KVM_IRQFD_LAYOUT, "gsi");
    private static final long IRQFD_FLAGS = offset(KvmLayouts.KVM_IRQFD_LAYOUT, "flags");
    private static final long IOE_DATAMATCH = offset(KvmLayouts.KVM_IOEVENTFD_LAYOUT, "datamatch");
    private static final long IOE_ADDR = offset(KvmLayouts.KVM_IOEVENTFD_LAYOUT, "addr");
    private static final long IOE_LEN = offset(KvmLayouts.KVM_IOEVENTFD_LAYOUT, "len");
    private static final long IOE_FD = offset(KvmLayouts.KVM_IOEVENTFD_LAYOUT, "fd");
    private static final long IOE_FLAGS = offset(KvmLayouts.KVM_IOEVENTFD_LAYOUT, "flags");
    private static final long CAP_CAP = offset(KvmLayouts.KVM_ENABLE_CAP_LAYOUT, "cap");
    private static final long CAP_ARGS = offset(KvmLayouts.KVM_ENABLE_CAP_LAYOUT, "args");
    private static final long MSI_ADDR_LO = offset(KvmLayouts.KVM_MSI, "address_lo");
    private static final long MSI_ADDR_HI = offset(KvmLayouts.KVM_MSI, "address_hi");
    private static final long MSI_DATA = offset(KvmLayouts.KVM_MSI, "data");

    private final Kvm kvm;

    KvmVm(Kvm kvm, Fd fd) {
        super(fd);
        this.kvm = kvm;
    }

    public Kvm kvm() {
        return kvm;
    }

    /** {@code KVM_CHECK_EXTENSION} on this VM (some capabilities are per VM). */
    public int checkExtension(int capability) {
        try {
            return ioctl("KVM_CHECK_EXTENSION", KvmH.KVM_CHECK_EXTENSION, capability);
        } catch (KvmException e) {
            return 0;
        }
    }

    /** {@code KVM_SET_USER_MEMORY_REGION}: maps host memory at {@code hostAddress} as guest RAM. */
    public void setUserMemoryRegion(int slot, int flags, long guestPhysAddr, long size, long hostAddress)
            throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = arena.allocate(KvmLayouts.KVM_USERSPACE_MEMORY_REGION);
            r.set(ValueLayout.JAVA_INT, MR_SLOT, slot);
            r.set(ValueLayout.JAVA_INT, MR_FLAGS, flags);
            r.set(ValueLayout.JAVA_LONG, MR_GPA, guestPhysAddr);
            r.set(ValueLayout.JAVA_LONG, MR_SIZE, size);
            r.set(ValueLayout.JAVA_LONG, MR_UADDR, hostAddress);
            ioctl("KVM_SET_USER_MEMORY_REGION", KvmH.KVM_SET_USER_MEMORY_REGION, r);
        }
    }

    /** {@code KVM_SET_TSS_ADDR}: three pages the VMX real-mode emulation needs (Intel only). */
    public void setTssAddr(long address) throws KvmException {
        ioctl("KVM_SET_TSS_ADDR", KvmH.KVM_SET_TSS_ADDR, address);
    }

    /** {@code KVM_SET_IDENTITY_MAP_ADDR}: one page for the VMX real-mode identity map (Intel only). */
    public void setIdentityMapAddr(long address) throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            ioctl("KVM_SET_IDENTITY_MAP_ADDR", KvmH.KVM_SET_IDENTITY_MAP_ADDR,
                    arena.allocateFrom(ValueLayout.JAVA_LONG, address));
        }
    }

    /** {@code KVM_CREATE_IRQCHIP}: in-kernel PIC pair, IOAPIC and a LAPIC per vCPU. */
    public void createIrqchip() throws KvmException {
        ioctl("KVM_CREATE_IRQCHIP", KvmH.KVM_CREATE_IRQCHIP, 0L);
    }

    /** {@code KVM_CREATE_PIT2}: the in-kernel i8254 (with the port 0x61 speaker gate unless dummy). */
    public void createPit2(int flags) throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment c = arena.allocate(KvmLayouts.KVM_PIT_CONFIG);
            c.set(ValueLayout.JAVA_INT, 0, flags);
            ioctl("KVM_CREATE_PIT2", KvmH.KVM_CREATE_PIT2, c);
        }
    }

    /** {@code KVM_IRQ_LINE}: sets the level of a GSI on the in-kernel PIC and IOAPIC. */
    public void irqLine(int gsi, boolean level) throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment l = arena.allocate(KvmLayouts.KVM_IRQ_LEVEL);
            l.set(ValueLayout.JAVA_INT, IRQ_IRQ, gsi);
            l.set(ValueLayout.JAVA_INT, IRQ_LEVEL, level ? 1 : 0);
            ioctl("KVM_IRQ_LINE", KvmH.KVM_IRQ_LINE, l);
        }
    }

    /** {@code KVM_IRQFD}: writing to {@code eventFd} raises {@code gsi} (edge). */
    public void irqfd(int eventFd, int gsi, boolean deassign) throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment f = arena.allocate(KvmLayouts.KVM_IRQFD_LAYOUT);
            f.set(ValueLayout.JAVA_INT, IRQFD_FD, eventFd);
            f.set(ValueLayout.JAVA_INT, IRQFD_GSI, gsi);
            f.set(ValueLayout.JAVA_INT, IRQFD_FLAGS, deassign ? KvmH.KVM_IRQFD_FLAG_DEASSIGN : 0);
            ioctl("KVM_IRQFD", KvmH.KVM_IRQFD, f);
        }
    }

    /**
     * {@code KVM_IOEVENTFD}: a guest write of {@code length} bytes to {@code address} (a port
     * when {@code pio}) signals {@code eventFd} in the kernel, without a user-space exit.
     */
    public void ioeventfd(int eventFd, long address, int length, boolean pio, Long datamatch, boolean deassign)
            throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment e = arena.allocate(KvmLayouts.KVM_IOEVENTFD_LAYOUT);
            int flags = (pio ? KvmH.KVM_IOEVENTFD_FLAG_PIO : 0) | (deassign ? KvmH.KVM_IOEVENTFD_FLAG_DEASSIGN : 0);
            if (datamatch != null) {
                flags |= KvmH.KVM_IOEVENTFD_FLAG_DATAMATCH;
                e.set(ValueLayout.JAVA_LONG, IOE_DATAMATCH, datamatch);
            }
            e.set(ValueLayout.JAVA_LONG, IOE_ADDR, address);
            e.set(ValueLayout.JAVA_INT, IOE_LEN, length);
            e.set(ValueLayout.JAVA_INT, IOE_FD, eventFd);
            e.set(ValueLayout.JAVA_INT, IOE_FLAGS, flags);
            ioctl("KVM_IOEVENTFD", KvmH.KVM_IOEVENTFD, e);
        }
    }

    /** {@code KVM_SIGNAL_MSI}: injects one MSI. Returns false when the guest blocked it. */
    public boolean signalMsi(long address, int data) throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(KvmLayouts.KVM_MSI);
            m.set(ValueLayout.JAVA_INT, MSI_ADDR_LO, (int) address);
            m.set(ValueLayout.JAVA_INT, MSI_ADDR_HI, (int) (address >>> 32));
            m.set(ValueLayout.JAVA_INT, MSI_DATA, data);
            return ioctl("KVM_SIGNAL_MSI", KvmH.KVM_SIGNAL_MSI, m) > 0;
        }
    }

    /** {@code KVM_ENABLE_CAP} on the VM with up to four arguments. */
    public void enableCap(int capability, long... args) throws KvmException {
        if (args.length > 4) {
            throw new IllegalArgumentException("KVM_ENABLE_CAP arguments: " + args.length + " (expected: <= 4)");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment c = arena.allocate(KvmLayouts.KVM_ENABLE_CAP_LAYOUT);
            c.set(ValueLayout.JAVA_INT, CAP_CAP, capability);
            for (int i = 0; i < args.length; i++) {
                c.set(ValueLayout.JAVA_LONG, CAP_ARGS + 8L * i, args[i]);
            }
            ioctl("KVM_ENABLE_CAP(" + capability + ")", KvmH.KVM_ENABLE_CAP, c);
        }
    }

    /** {@code KVM_CREATE_VCPU} with the given vCPU (and initial APIC) id. */
    public KvmVcpu createVcpu(int id) throws KvmException {
        int vcpufd = ioctl("KVM_CREATE_VCPU", KvmH.KVM_CREATE_VCPU, id);
        Fd f = new Fd(vcpufd, fd.what() + " vcpu " + id);
        try {
            return new KvmVcpu(this, id, f, kvm.vcpuMmapSize());
        } catch (org.jxen.sys.SysException e) {
            f.close();
            throw new KvmException("mmap of kvm_run", f.what(), e.errno());
        }
    }
}
