package org.jxen.vmm.boot;

/**
 * How the boot vCPU starts: in 32-bit protected mode with paging off (PVH, Multiboot), or in
 * 64-bit long mode on identity page tables at {@code cr3} (Linux 64-bit boot protocol); the
 * instruction pointer and the registers the protocol passes values in.
 */
public record EntryState(Mode mode, long rip, long rax, long rbx, long rsi, long cr3) {
    public enum Mode {
        PROTECTED_32,
        LONG_64
    }

    public static EntryState protected32(long rip, long rax, long rbx) {
        return new EntryState(Mode.PROTECTED_32, rip, rax, rbx, 0, 0);
    }

    public static EntryState long64(long rip, long rsi, long cr3) {
        return new EntryState(Mode.LONG_64, rip, 0, 0, rsi, cr3);
    }
}
