package org.jxen.cli.run;

import java.nio.file.Files;
import java.nio.file.Path;

import org.jxen.sys.SysException;
import org.jxen.testkit.TestGuests;
import org.jxen.vmm.machine.MachineSpec;
import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PreflightTest {
    @TempDir
    Path tmp;

    @Test
    void acceptsABootableKernelAndAnInitrd() throws Exception {
        Path initrd = Files.writeString(tmp.resolve("initrd.img"), "modules");
        assertThatCode(() -> {
            Preflight.kernel(TestGuests.pvh("hello"));
            Preflight.initrd(initrd);
            Preflight.initrd(null);
        }).doesNotThrowAnyException();
    }

    @Test
    void rejectsAMissingKernelOption() {
        assertThatThrownBy(() -> Preflight.kernel(null)).isInstanceOf(UsageException.class)
                .hasMessage("--kernel is required (try 'jxen-run --help')");
    }

    @Test
    void rejectsAnEmptyPathAsEmptyNotAsTheCurrentDirectory() {
        assertThatThrownBy(() -> Preflight.kernel(Path.of(""))).hasMessage("kernel path is empty (expected: --kernel FILE)");
        assertThatThrownBy(() -> Preflight.initrd(Path.of(""))).hasMessage("initrd path is empty (expected: --initrd FILE)");
    }

    @Test
    void rejectsMissingDirectoryDeviceAndEmptyFiles() throws Exception {
        Path empty = Files.createFile(tmp.resolve("empty"));
        assertThatThrownBy(() -> Preflight.file(tmp.resolve("nope"), "kernel")).hasMessage("kernel " + tmp.resolve("nope")
                + " does not exist");
        assertThatThrownBy(() -> Preflight.file(tmp, "initrd")).hasMessage("initrd " + tmp + " is a directory (expected: a file)");
        assertThatThrownBy(() -> Preflight.file(Path.of("/dev/null"), "kernel"))
                .hasMessageStartingWith("kernel /dev/null is not a regular file");
        assertThatThrownBy(() -> Preflight.file(empty, "kernel")).hasMessage("kernel " + empty + " is empty");
    }

    @Test
    void rejectsAFileThatIsNoKernelWithTheLoadersMessage() throws Exception {
        Path text = Files.writeString(tmp.resolve("text"), "just some text\n".repeat(100));
        assertThatThrownBy(() -> Preflight.kernel(text)).isInstanceOf(UsageException.class)
                .hasMessageStartingWith(text + ": not a kernel jxen can boot");
        byte[] elf = Files.readAllBytes(TestGuests.pvh("hello"));
        Path truncated = Files.write(tmp.resolve("truncated.elf"), java.util.Arrays.copyOf(elf, 40));
        assertThatThrownBy(() -> Preflight.kernel(truncated)).hasMessageContaining("truncated");
    }

    @Test
    void rejectsATimeoutThatIsNotAboveZero() {
        assertThatThrownBy(() -> Preflight.timeout(0.0)).hasMessageStartingWith("--timeout 0");
        assertThatThrownBy(() -> Preflight.timeout(Double.NaN)).hasMessageStartingWith("--timeout NaN");
        assertThatCode(() -> Preflight.timeout(null)).doesNotThrowAnyException();
    }

    @Test
    void nameFitsTheMemfdThatGuestMemoryNamesAfterIt() throws Exception {
        // The limit is checked against the kernel and GuestMemory's own naming, not just stated.
        AddressMap map = new AddressMap(MachineSpec.MIN_MEMORY_MIB * AddressMap.MIB);
        String longest = "n".repeat(Preflight.NAME_MAX);
        Preflight.name(longest);
        try (GuestMemory m = GuestMemory.create(longest, map)) {
            assertThat(m.regions()).isNotEmpty();
        }
        String tooLong = longest + "n";
        assertThatThrownBy(() -> Preflight.name(tooLong)).hasMessageStartingWith("--name is 245 bytes long (expected: at most 244");
        assertThatThrownBy(() -> GuestMemory.create(tooLong, map).close()).isInstanceOf(SysException.class);
    }

    @Test
    void nameLengthCountsUtf8Bytes() {
        // 'é' is two bytes in UTF-8: 123 of them are 246 bytes.
        assertThatThrownBy(() -> Preflight.name("\u00e9".repeat(123))).hasMessageStartingWith("--name is 246 bytes long");
    }

    @Test
    void rejectsEmptyControlAndAllDigitNames() {
        assertThatThrownBy(() -> Preflight.name("")).hasMessage("--name is empty (expected: a domain name)");
        assertThatThrownBy(() -> Preflight.name("a\tb")).hasMessageStartingWith("--name 'a\tb' contains a control character");
        assertThatThrownBy(() -> Preflight.name("007")).hasMessageStartingWith("--name 007 is all digits");
        assertThatCode(() -> Preflight.name("guest-7")).doesNotThrowAnyException();
    }
}
