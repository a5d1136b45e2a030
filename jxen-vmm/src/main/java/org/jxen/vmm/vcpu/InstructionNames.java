package org.jxen.vmm.vcpu;

/**
 * Names the instruction at a vCPU's RIP from its bytes, for the messages that end a guest
 * this host cannot run. Covers the instructions this project's KVM hosts are known to fail on
 * (DESIGN.md, "Verified on this project's KVM"); opcodes from the Intel SDM vol. 2, appendix A.
 */
public final class InstructionNames {
    private InstructionNames() {}

    /** The name for VEX-encoded instructions (AVX, AVX2, FMA, F16C, BMI1/2 all use VEX). */
    public static final String VEX = "VEX-encoded instruction (AVX, FMA, F16C or BMI)";
    public static final String EVEX = "EVEX-encoded (AVX-512) instruction";
    public static final String SSE = "SSE instruction";
    public static final String MMX_OR_SSE = "MMX/SSE instruction";
    public static final String X87 = "x87 instruction";

    /** A name such as {@code vmcall}, {@code ldmxcsr} or {@code SSE instruction}, or null. */
    public static String name(byte[] b) {
        int i = 0;
        boolean p66 = false;
        boolean pf2 = false;
        boolean pf3 = false;
        boolean rexW = false;
        // Legacy prefixes (operand size, repne, rep, lock, segment overrides), then REX.
        while (i < b.length) {
            int x = b[i] & 0xff;
            if (x == 0x66) {
                p66 = true;
            } else if (x == 0xF2) {
                pf2 = true;
            } else if (x == 0xF3) {
                pf3 = true;
            } else if (x != 0xF0 && x != 0x2E && x != 0x36 && x != 0x3E && x != 0x26 && x != 0x64 && x != 0x65) {
                break;
            }
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
            return VEX;
        }
        if (op == 0x62) {
            return EVEX;
        }
        if (op >= 0xD8 && op <= 0xDF) {
            return X87;
        }
        if (op != 0x0F || i + 1 >= b.length) {
            return null;
        }
        int op2 = b[i + 1] & 0xff;
        int modrm = i + 2 < b.length ? b[i + 2] & 0xff : -1;
        int reg = modrm < 0 ? -1 : (modrm >> 3) & 7;
        boolean memory = modrm >= 0 && modrm < 0xC0;
        switch (op2) {
            case 0x01 -> {
                return switch (modrm) {
                    case 0xC1 -> "vmcall";
                    case 0xD9 -> "vmmcall";
                    case 0xD0 -> "xgetbv";
                    case 0xD1 -> "xsetbv";
                    case 0xCA -> "clac";
                    case 0xCB -> "stac";
                    case 0xFC -> "clzero";
                    default -> null;
                };
            }
            case 0xAE -> {
                if (!memory) {
                    return null;
                }
                return switch (reg) {
                    case 0 -> "fxsave";
                    case 1 -> "fxrstor";
                    case 2 -> "ldmxcsr";
                    case 3 -> "stmxcsr";
                    case 4 -> "xsave";
                    case 5 -> "xrstor";
                    case 6 -> p66 ? "clwb" : "xsaveopt";
                    default -> p66 ? "clflushopt" : "clflush";
                };
            }
            case 0xC7 -> {
                if (reg == 1 && memory) {
                    return rexW ? "cmpxchg16b" : "cmpxchg8b";
                }
                if (memory && (reg == 3 || reg == 4 || reg == 5)) {
                    return reg == 3 ? "xrstors" : reg == 4 ? "xsavec" : "xsaves";
                }
                return null;
            }
            case 0xB8 -> {
                return pf3 ? "popcnt" : null;
            }
            case 0xBC -> {
                return pf3 ? "tzcnt" : null;
            }
            case 0xBD -> {
                return pf3 ? "lzcnt" : null;
            }
            case 0x38 -> {
                int op3 = modrm;
                if (op3 == 0xF0 || op3 == 0xF1) {
                    return pf2 ? "crc32" : "movbe";
                }
                if (op3 == 0xF6) {
                    return p66 ? "adcx" : pf3 ? "adox" : null;
                }
                return SSE;
            }
            case 0x3A -> {
                return SSE;
            }
            default -> { }
        }
        if ((op2 >= 0x10 && op2 <= 0x17) || (op2 >= 0x28 && op2 <= 0x2F) || (op2 >= 0x50 && op2 <= 0x7F)
                || op2 == 0xC2 || op2 == 0xC6 || (op2 >= 0xD0 && op2 <= 0xFF)) {
            return p66 || pf2 || pf3 || op2 < 0x60 ? SSE : MMX_OR_SSE;
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
