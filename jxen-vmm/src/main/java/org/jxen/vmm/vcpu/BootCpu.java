package org.jxen.vmm.vcpu;

import org.jxen.kvm.DescriptorTable;
import org.jxen.kvm.KvmException;
import org.jxen.kvm.KvmVcpu;
import org.jxen.kvm.Regs;
import org.jxen.kvm.Segment;
import org.jxen.kvm.Sregs;
import org.jxen.vmm.boot.EntryState;
import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;

/**
 * Puts the boot vCPU in the state its boot protocol promises: a GDT in guest memory with flat
 * code (selector 0x10), data (0x18) and a TSS (0x20), then either 32-bit protected mode with
 * paging off (PVH, Multiboot) or 64-bit long mode on the loader's page tables (Linux).
 */
public final class BootCpu {
    public static final int CODE_SELECTOR = 0x10;
    public static final int DATA_SELECTOR = 0x18;
    public static final int TSS_SELECTOR = 0x20;
    /** Linux's 64-bit entry wants a usable stack below its boot structures (as Firecracker gives). */
    static final long BOOT_STACK = 0x8ff0;

    private BootCpu() {}

    public static void apply(KvmVcpu vcpu, GuestMemory mem, EntryState entry) throws KvmException {
        boolean lm = entry.mode() == EntryState.Mode.LONG_64;
        Segment code = lm ? Segment.code64(CODE_SELECTOR) : Segment.flat32(CODE_SELECTOR, true);
        Segment data = Segment.flat32(DATA_SELECTOR, false);
        Segment tss = Segment.tss(TSS_SELECTOR, 0, 0x67);
        long gdt = AddressMap.BOOT_GDT;
        mem.writeU64(gdt, 0);
        mem.writeU64(gdt + 8, 0);
        mem.writeU64(gdt + CODE_SELECTOR, code.gdtEntry());
        mem.writeU64(gdt + DATA_SELECTOR, data.gdtEntry());
        mem.writeU64(gdt + TSS_SELECTOR, tss.gdtEntry());
        mem.writeU64(AddressMap.BOOT_IDT, 0);

        Sregs s = new Sregs();
        vcpu.getSregs(s);
        s.set(Sregs.SegReg.CS, code);
        for (Sregs.SegReg r : new Sregs.SegReg[] {Sregs.SegReg.DS, Sregs.SegReg.ES, Sregs.SegReg.FS, Sregs.SegReg.GS,
                Sregs.SegReg.SS}) {
            s.set(r, data);
        }
        s.set(Sregs.SegReg.TR, tss);
        s.gdt(new DescriptorTable(gdt, 5 * 8 - 1));
        s.idt(new DescriptorTable(AddressMap.BOOT_IDT, 0));
        if (lm) {
            s.cr3(entry.cr3());
            s.cr4(Sregs.CR4_PAE);
            s.efer(Sregs.EFER_LME | Sregs.EFER_LMA);
            s.cr0(Sregs.CR0_PE | Sregs.CR0_ET | Sregs.CR0_NE | Sregs.CR0_PG);
        } else {
            s.cr3(0);
            s.cr4(0);
            s.efer(0);
            s.cr0(Sregs.CR0_PE | Sregs.CR0_ET);
        }
        vcpu.setSregs(s);

        Regs r = new Regs().reset();
        r.set(Regs.Reg.RIP, entry.rip());
        r.set(Regs.Reg.RAX, entry.rax());
        r.set(Regs.Reg.RBX, entry.rbx());
        r.set(Regs.Reg.RSI, entry.rsi());
        if (lm) {
            r.set(Regs.Reg.RSP, BOOT_STACK);
            r.set(Regs.Reg.RBP, BOOT_STACK);
        }
        vcpu.setRegs(r);
    }
}
