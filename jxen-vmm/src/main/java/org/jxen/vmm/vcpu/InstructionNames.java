package org.jxen.vmm.vcpu;

/**
 * Names the instruction at a vCPU's RIP from its bytes, for the messages that end a guest
 * this host cannot run. Covers the instructions this project's KVM hosts are known to fail on
 * (DESIGN.md, "Verified on this project's KVM"); opcodes from the Intel SDM vol. 2, appendix A.
 */
public final class InstructionNames {
    private InstructionNames() {}

    /** A name such as {@code vmcall}, {@code ldmxcsr} or {@code SSE instruction}, or null. */
    public static String name(byte[] b) {
        int i = 0;
        boolean rexW = false;
        boolean sse = false;
        // Legacy prefixes, then REX.
        while (i < b.length && (b[i] == 0x66 || b[i] == (byte) 0xF2 || b[i] == (byte) 0xF3 || b[i] == (byte) 0xF0)) {
            sse |= b[i] != (byte) 0xF0;
            i++;
        }
        if (i < b.length && (b[i] & 0xF0) == 0x40) {
            rexW = (b[i] & 0x08) != 0;
            i++;
        }
        if (i >= b.length) {
            return null;
        }
        int op = b[i] & 0xff;
        if (op == 0xCC) {
            return "int3";
        }
        if (op == 0xC4 || op == 0xC5) {
            return "VEX-encoded (AVX) instruction";
        }
        if (op == 0x62) {
            return "EVEX-encoded (AVX-512) instruction";
        }
        if (op != 0x0F || i + 1 >= b.length) {
            return null;
        }
        int op2 = b[i + 1] & 0xff;
        int modrm = i + 2 < b.length ? b[i + 2] & 0xff : -1;
        int reg = modrm < 0 ? -1 : (modrm >> 3) & 7;
        if (op2 == 0x01 && modrm == 0xC1) {
            return "vmcall";
        }
        if (op2 == 0x01 && modrm == 0xD9) {
            return "vmmcall";
        }
        if (op2 == 0x01 && modrm == 0xD1) {
            return "xsetbv";
        }
        if (op2 == 0xAE && modrm >= 0 && modrm < 0xC0) {
            return switch (reg) {
                case 0 -> "fxsave";
                case 1 -> "fxrstor";
                case 2 -> "ldmxcsr";
                case 3 -> "stmxcsr";
                case 4 -> "xsave";
                case 5 -> "xrstor";
                case 6 -> "xsaveopt";
                default -> "clflush";
            };
        }
        if (op2 == 0xC7 && reg == 1) {
            return rexW ? "cmpxchg16b" : "cmpxchg8b";
        }
        if (op2 == 0xC7 && (reg == 3 || reg == 5) && modrm < 0xC0) {
            return reg == 3 ? "xrstors" : "xsavec";
        }
        if ((op2 >= 0x10 && op2 <= 0x17) || (op2 >= 0x28 && op2 <= 0x2F) || (op2 >= 0x50 && op2 <= 0x7F)
                || op2 == 0xC2 || op2 == 0xC6 || (op2 >= 0xD0 && op2 <= 0xFF) || op2 == 0x38 || op2 == 0x3A) {
            return sse || op2 < 0x60 || op2 == 0x38 || op2 == 0x3A ? "SSE instruction" : "MMX/SSE instruction";
        }
        return null;
    }

    /** Hex bytes, space-separated. */
    public static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            if (!s.isEmpty()) {
                s.append(' ');
            }
            s.append(String.format("%02x", x & 0xff));
        }
        return s.toString();
    }
}
