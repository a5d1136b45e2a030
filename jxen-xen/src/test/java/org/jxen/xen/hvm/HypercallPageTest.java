package org.jxen.xen.hvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.jxen.xen.abi.XenH;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HypercallPageTest {
    @TempDir
    Path tmp;

    /** binutils' objdump disassembles the page: each entry is mov, out, ret. */
    @Test
    void everyEntryIsMovOutRetAsObjdumpReadsIt() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/objdump")), "objdump is not installed (Debian: binutils)");
        Path page = tmp.resolve("page.bin");
        Files.write(page, HypercallPage.build());
        Process p = new ProcessBuilder("objdump", "-D", "-b", "binary", "-m", "i386:x86-64", page.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        // __HYPERVISOR_sched_op (29) at 29 * 32 = 0x3a0.
        int at = XenH.__HYPERVISOR_sched_op * HypercallPage.ENTRY;
        assertThat(out).containsPattern("(?m)^\\s+" + Integer.toHexString(at) + ":\\s+b8 1d 00 00 00\\s+mov\\s+\\$0x1d,%eax$");
        assertThat(out).containsPattern("(?m)^\\s+" + Integer.toHexString(at + 5) + ":\\s+e7 eb\\s+out\\s+%eax,\\$0xeb$");
        assertThat(out).containsPattern("(?m)^\\s+" + Integer.toHexString(at + 7) + ":\\s+c3\\s+ret");
        assertThat(HypercallPage.ENTRIES).isEqualTo(128);
    }

    @Test
    void theCpuidLeavesSayXenWithThePageMsrAndTheIds() {
        List<XenCpuid.Leaf> l = XenCpuid.leaves(0x40000000, 7, 1);
        byte[] sig = new byte[12];
        for (int i = 0; i < 4; i++) {
            sig[i] = (byte) (l.get(0).ebx() >>> (8 * i));
            sig[4 + i] = (byte) (l.get(0).ecx() >>> (8 * i));
            sig[8 + i] = (byte) (l.get(0).edx() >>> (8 * i));
        }
        assertThat(new String(sig, StandardCharsets.US_ASCII)).isEqualTo("XenVMMXenVMM");
        assertThat(l.get(0).eax()).isEqualTo(0x40000005);
        assertThat(l.get(1).eax()).isEqualTo(4 << 16 | 17);
        assertThat(l.get(2)).isEqualTo(new XenCpuid.Leaf(0x40000002, 1, 0x40000000, 0, 0));
        assertThat(l.get(4).ebx()).as("vCPU id").isEqualTo(1);
        assertThat(l.get(4).ecx()).as("domid").isEqualTo(7);
    }
}
