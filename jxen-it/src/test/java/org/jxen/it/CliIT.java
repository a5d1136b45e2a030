package org.jxen.it;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jxen.testkit.GuestProcess;
import org.jxen.testkit.HostAssume;
import org.jxen.testkit.TestGuests;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input to jxen-run: each gets one clear line on stderr naming what was wrong, exit status
 * 1, nothing on stdout and no stack trace.
 */
class CliIT {
    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @BeforeAll
    static void guests() {
        TestGuests.ensureBuilt();
    }

    record Result(int status, String stdout, String stderr) {}

    static Result run(Map<String, String> env, String... args) throws Exception {
        try (GuestProcess p = GuestProcess.start("jxen-run", List.of(args), env)) {
            p.closeInput();
            int status = p.awaitExit(WAIT);
            return new Result(status, p.stdout(), p.stderr());
        }
    }

    static void assertOneLineError(Result r, String... fragments) {
        assertThat(r.status()).as("exit status; stderr: " + r.stderr()).isEqualTo(1);
        assertThat(r.stdout()).as("stdout").isEmpty();
        List<String> lines = r.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("stderr lines").hasSizeBetween(1, 2);
        assertThat(lines.get(0)).startsWith("jxen-run: ");
        for (String f : fragments) {
            assertThat(r.stderr()).contains(f);
        }
        assertThat(r.stderr()).doesNotContain("\tat ").doesNotContain("Exception");
    }

    private Path copyOfHello() throws IOException {
        Path p = tmp.resolve("kernel.elf");
        Files.copy(TestGuests.pvh("hello"), p);
        return p;
    }

    private static void patch(Path file, int offset, byte... bytes) throws IOException {
        byte[] b = Files.readAllBytes(file);
        System.arraycopy(bytes, 0, b, offset, bytes.length);
        Files.write(file, b);
    }

    @Test
    void missingKernel() throws Exception {
        assertOneLineError(run(Map.of(), "--kernel", tmp.resolve("nope").toString()), "kernel", "nope", "does not exist");
    }

    @Test
    void kernelIsADirectory() throws Exception {
        assertOneLineError(run(Map.of(), "--kernel", tmp.toString()), "kernel " + tmp + " is a directory");
    }

    @Test
    void emptyKernelPath() throws Exception {
        Result r = run(Map.of(), "--kernel", "");
        assertOneLineError(r, "kernel path is empty");
        assertThat(r.stderr()).doesNotContain("directory");
    }

    @Test
    void kernelIsNotARegularFile() throws Exception {
        assertOneLineError(run(Map.of(), "--kernel", "/dev/null"), "kernel /dev/null is not a regular file");
    }

    @Test
    void emptyKernel() throws Exception {
        Path k = Files.createFile(tmp.resolve("empty"));
        assertOneLineError(run(Map.of(), "--kernel", k.toString()), "is empty");
    }

    @Test
    void truncatedKernel() throws Exception {
        Path k = tmp.resolve("truncated.elf");
        byte[] full = Files.readAllBytes(TestGuests.pvh("hello"));
        Files.write(k, java.util.Arrays.copyOf(full, 200));
        assertOneLineError(run(Map.of(), "--kernel", k.toString()), k.toString(), "truncated");
    }

    @Test
    void wrongElfClass() throws Exception {
        Path k = copyOfHello();
        patch(k, 4, (byte) 3);
        assertOneLineError(run(Map.of(), "--kernel", k.toString()), "unknown ELF class 3");
    }

    @Test
    void wrongElfMachine() throws Exception {
        Path k = copyOfHello();
        patch(k, 18, (byte) 183, (byte) 0); // EM_AARCH64
        assertOneLineError(run(Map.of(), "--kernel", k.toString()), "machine 183", "x86-64");
    }

    @Test
    void elfWithoutPvhNoteMultibootOrBzImage() throws Exception {
        Path k = copyOfHello();
        byte[] b = Files.readAllBytes(k);
        // Turn the XEN_ELFNOTE_PHYS32_ENTRY note (name "Xen", type 18) into an unknown note type.
        int at = indexOf(b, new byte[] {4, 0, 0, 0, 4, 0, 0, 0, 18, 0, 0, 0, 'X', 'e', 'n', 0});
        assertThat(at).as("PVH note in hello.elf").isPositive();
        patch(k, at + 8, (byte) 99);
        assertOneLineError(run(Map.of(), "--kernel", k.toString()), "no Xen PVH entry note");
    }

    @Test
    void notAKernelAtAll() throws Exception {
        Path k = tmp.resolve("text");
        Files.writeString(k, "just some text\n".repeat(100));
        assertOneLineError(run(Map.of(), "--kernel", k.toString()), "not a kernel jxen can boot");
    }

    @Test
    void initrdLargerThanMemory() throws Exception {
        HostAssume.kvm();
        Path initrd = tmp.resolve("big.img");
        try (var ch = java.nio.channels.FileChannel.open(initrd, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1}), 40L << 20);
        }
        assertOneLineError(run(Map.of(), "--kernel", TestGuests.pvh("hello").toString(), "--initrd", initrd.toString(),
                "--memory", "32"), "initrd", "does not fit in guest memory (32 MiB)");
    }

    /** A sparse file of {@code size} bytes with "jxen" at its start and end: a few blocks on disk. */
    private Path sparseInitrd(long size) throws IOException {
        Path p = tmp.resolve("sparse-" + (size >> 20) + "m.img");
        try (var f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
            f.write("jxen".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            f.seek(size - 4);
            f.write("jxen".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        return p;
    }

    /** Skips (with the reason) unless this host has {@code mib} MiB of RAM: jxen-run refuses more memory than the host has. */
    private static void assumeHostMemoryMib(long mib) throws IOException {
        long kib = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D+", ""))).findFirst().orElse(0);
        org.junit.jupiter.api.Assumptions.assumeTrue(kib >> 10 >= mib,
                "skipped: a " + mib + " MiB guest needs a host with that much RAM (this one has " + (kib >> 10) + " MiB)");
    }

    @Test
    void sparseThreeGibInitrdBootsAboveFourGib() throws Exception {
        HostAssume.kvm();
        // 3 GiB does not fit below the MMIO hole at 3 GiB, so the PVH module goes above 4 GiB:
        // 6144 MiB gives 3 GiB + 384 KiB of RAM there (4096 would leave 1 GiB; see the next test).
        assumeHostMemoryMib(6144);
        long size = 3L << 30;
        Path initrd = sparseInitrd(size);
        Result r = run(Map.of(), "--kernel", TestGuests.pvh("hello").toString(), "--initrd", initrd.toString(),
                "--memory", "6144", "--timeout", "60");
        assertThat(r.status()).as("exit status; stderr: " + r.stderr()).isZero();
        assertThat(r.stderr()).doesNotContain("Exception").doesNotContain("\tat ");
        var m = java.util.regex.Pattern.compile("# module 0 paddr=0x([0-9a-f]+) size=0x([0-9a-f]+)").matcher(r.stdout());
        assertThat(m.find()).as("hello lists the initrd as module 0; stdout:\n" + r.stdout()).isTrue();
        assertThat(Long.parseLong(m.group(2), 16)).as("module size").isEqualTo(size);
        assertThat(Long.parseLong(m.group(1), 16)).as("module paddr").isGreaterThanOrEqualTo(4L << 30);
        assertThat(r.stdout()).contains("jxen-guest hello end passed=");
    }

    @Test
    void sparseThreeGibInitrdTooLargeForFourGibOfRam() throws Exception {
        HostAssume.kvm();
        assumeHostMemoryMib(4096);
        Path initrd = sparseInitrd(3L << 30);
        assertOneLineError(run(Map.of(), "--kernel", TestGuests.pvh("hello").toString(), "--initrd", initrd.toString(),
                "--memory", "4096"), "initrd " + initrd + " (3072 MiB) does not fit in guest memory (4096 MiB)",
                "or in the 1024 MiB above 4 GiB; give the guest more memory");
    }

    @Test
    void missingInitrd() throws Exception {
        assertOneLineError(run(Map.of(), "--kernel", TestGuests.pvh("hello").toString(), "--initrd",
                tmp.resolve("gone.img").toString()), "initrd", "does not exist");
    }

    @Test
    void memoryBelowMinimum() throws Exception {
        HostAssume.kvm();
        assertOneLineError(run(Map.of(), "--kernel", TestGuests.pvh("hello").toString(), "--memory", "2"),
                "memory 2 MiB is below the minimum of 4 MiB");
    }

    @Test
    void memoryAboveTheHosts() throws Exception {
        HostAssume.kvm();
        assertOneLineError(run(Map.of(), "--kernel", TestGuests.pvh("hello").toString(), "--memory", "60000000"),
                "memory 60000000 MiB is more than this host has");
        assertOneLineError(run(Map.of(), "--kernel", TestGuests.pvh("hello").toString(), "--memory", "100000000"),
                "memory 100000000 MiB is above jxen's limit");
    }

    @Test
    void vcpusAboveTheLimit() throws Exception {
        HostAssume.kvm();
        assertOneLineError(run(Map.of(), "--kernel", TestGuests.pvh("hello").toString(), "--vcpus", "100000"),
                "vcpus 100000 is out of range (expected: 1..");
        assertOneLineError(run(Map.of(), "--kernel", TestGuests.pvh("hello").toString(), "--vcpus", "0"),
                "vcpus 0 is out of range");
    }

    @Test
    void emptyInitrd() throws Exception {
        Path initrd = Files.createFile(tmp.resolve("empty.img"));
        assertOneLineError(run(Map.of(), "--kernel", TestGuests.pvh("hello").toString(), "--initrd", initrd.toString()),
                "initrd " + initrd + " is empty");
    }

    @Test
    void initrdIsADirectory() throws Exception {
        assertOneLineError(run(Map.of(), "--kernel", TestGuests.pvh("hello").toString(), "--initrd", tmp.toString()),
                "initrd " + tmp + " is a directory");
    }

    @Test
    void nameLongerThanAMemfdNameCanHold() throws Exception {
        Result r = run(Map.of(), "--kernel", TestGuests.pvh("hello").toString(), "--name", "n".repeat(245));
        assertOneLineError(r, "--name is 245 bytes long (expected: at most 244");
        assertThat(r.stderr()).doesNotContain("memfd_create(");
    }

    @Test
    void emptyOrAllDigitName() throws Exception {
        assertOneLineError(run(Map.of(), "--kernel", TestGuests.pvh("hello").toString(), "--name", ""), "--name is empty");
        assertOneLineError(run(Map.of(), "--kernel", TestGuests.pvh("hello").toString(), "--name", "42"),
                "--name 42 is all digits", "domain id");
    }

    @Test
    void controlCharactersInInputAreEscapedInErrors() throws Exception {
        Result name = run(Map.of(), "--kernel", TestGuests.pvh("hello").toString(), "--name", "evil\u001b[2Jname");
        assertOneLineError(name, "--name 'evil\\x1b[2Jname' contains a control character");
        Result kernel = run(Map.of(), "--kernel", tmp.resolve("k\u001b[2J\u0007").toString());
        assertOneLineError(kernel, "k\\x1b[2J\\x07 does not exist");
        Result option = run(Map.of(), "--kernal\u001b[2J", "x");
        assertThat(option.status()).isEqualTo(1);
        assertThat(option.stderr()).contains("--kernal\\x1b[2J");
        for (Result r : List.of(name, kernel, option)) {
            assertThat(r.stderr().chars().filter(c -> c < 0x20 && c != '\n')).as("control characters in " + r.stderr()).isEmpty();
        }
    }

    @Test
    void timeoutIsShownInPlainDecimals() throws Exception {
        Result r = run(Map.of(), "--kernel", TestGuests.pvh("hello").toString(), "--timeout", "-1e-5");
        assertOneLineError(r, "--timeout -0.00001 (expected: a number of seconds > 0)");
        assertThat(r.stderr()).doesNotContain("E-");
    }

    @Test
    void timeoutMessageShowsPlainSeconds() throws Exception {
        HostAssume.kvm();
        Result r = haltUntilTimeout("1e-4");
        assertThat(r.stderr()).contains("jxen-run: timeout after 0.0001 s; domain 'jxen-run' destroyed");
    }

    /**
     * Runs the shutdown guest with action=halt: "cli; hlt" forever, as a Xen guest that finds
     * no Xen does, until --timeout.
     */
    static Result haltUntilTimeout(String timeout) throws Exception {
        Result r = run(Map.of(), "--kernel", TestGuests.pvh("shutdown").toString(), "--timeout", timeout, "--cmdline",
                "action=halt");
        assertThat(r.status()).as(r.stderr()).isEqualTo(4);
        return r;
    }

    @Test
    void aTimeoutBeyondTheClocksRangeNeverFires() throws Exception {
        HostAssume.kvm();
        // 1e12 s is past what System.nanoTime() can add without overflowing: it must mean "no
        // timeout", not "already expired". The guest powers off by itself.
        Result r = run(Map.of(), "--kernel", TestGuests.pvh("hello").toString(), "--timeout", "1e12");
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stderr()).doesNotContain("timeout after");
    }

    @Test
    void noKvmDevice() throws Exception {
        assertOneLineError(run(Map.of("JXEN_KVM_DEVICE", tmp.resolve("kvm").toString()), "--kernel",
                TestGuests.pvh("hello").toString()), "does not exist: this host has no KVM");
    }

    @Test
    void noPermissionOnKvm() throws Exception {
        HostAssume.kvm();
        Path dev = HostAssume.kvmDevice();
        if (ProcessHandle.current().info().user().orElse("").equals("root")) {
            // Root ignores file modes through its capabilities: run as root without any (so the
            // checkout needs no access for another user), on a device file that belongs to
            // nobody, as a user without access to /dev/kvm would meet it.
            HostAssume.tool("setpriv");
            Path kvmOfNobody = Files.createFile(tmp.resolve("kvm-of-nobody"));
            Files.setPosixFilePermissions(kvmOfNobody, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            Files.setOwner(kvmOfNobody, kvmOfNobody.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
            List<String> cmd = new ArrayList<>(List.of("setpriv", "--inh-caps=-all", "--bounding-set=-all",
                    org.jxen.testkit.Checkout.bin("jxen-run").toString(), "--kernel", TestGuests.pvh("hello").toString()));
            try (GuestProcess p = GuestProcess.startRaw(cmd, Map.of("JXEN_KVM_DEVICE", kvmOfNobody.toString()))) {
                p.closeInput();
                assertOneLineError(new Result(p.awaitExit(WAIT), p.stdout(), p.stderr()),
                        "no permission to open " + kvmOfNobody);
            }
        } else {
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(dev), "skipped: this user can open " + dev);
            assertOneLineError(run(Map.of(), "--kernel", TestGuests.pvh("hello").toString()), "no permission to open");
        }
    }

    @Test
    void unknownOption() throws Exception {
        Result r = run(Map.of(), "--kernal", "x");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.stderr()).contains("jxen-run: Unknown option").contains("'--kernal'").contains("jxen-run --help");
    }

    @Test
    void badNumbers() throws Exception {
        assertOneLineError(run(Map.of(), "--kernel", "k", "--memory", "lots"), "--memory", "lots");
        assertOneLineError(run(Map.of(), "--kernel", "k", "--timeout", "-1"), "--timeout");
        assertOneLineError(run(Map.of(), "--kernel", "k", "--on-reboot", "explode"), "--on-reboot", "explode");
    }

    @Test
    void helpListsEveryOptionAndExitStatus() throws Exception {
        Result r = run(Map.of(), "--help");
        assertThat(r.status()).isZero();
        assertThat(r.stdout()).contains("--kernel", "--initrd", "--cmdline", "--memory", "--vcpus", "--on-reboot",
                "--timeout", "Exit status\n", "the guest powered off", "the guest crashed");
        assertThat(r.stdout()).as("SIGINT and its status").containsPattern("(?m)^  130 +SIGINT").contains("Ctrl-C goes to the guest");
    }

    @Test
    void helpFitsEightyColumnsAndBreaksLinesOnlyWhereTheNextWordDoesNotFit() throws Exception {
        // Not a terminal and no COLUMNS: picocli's default width, 80.
        Result r;
        try (GuestProcess p = GuestProcess.startRaw(List.of("env", "-u", "COLUMNS",
                org.jxen.testkit.Checkout.bin("jxen-run").toString(), "--help"), Map.of())) {
            p.closeInput();
            r = new Result(p.awaitExit(WAIT), p.stdout(), p.stderr());
        }
        assertThat(r.status()).isZero();
        List<String> lines = r.stdout().lines().toList();
        assertThat(lines).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(80));
        // The description: the lines after the synopsis (which starts "Usage:" and continues
        // indented) up to the first option. A line of a paragraph may end early only where the
        // paragraph ends; elsewhere the next word must not have fitted on it (picocli keeps the
        // 80th column free).
        int i = lines.indexOf(lines.stream().filter(l -> l.startsWith("Usage: ")).findFirst().orElseThrow()) + 1;
        while (lines.get(i).startsWith(" ")) {
            i++;
        }
        List<String> description = new ArrayList<>();
        for (; !lines.get(i).startsWith(" "); i++) {
            description.add(lines.get(i));
        }
        assertThat(description).as("description lines").isNotEmpty();
        for (int k = 0; k + 1 < description.size(); k++) {
            String line = description.get(k);
            String next = description.get(k + 1);
            if (line.isBlank() || next.isBlank() || line.endsWith(".")) {
                continue;
            }
            int nextWord = next.strip().split(" ")[0].length();
            assertThat(line.length() + 1 + nextWord).as("line broken before the next word would fill it: \"" + line
                    + "\" / \"" + next + "\"").isGreaterThanOrEqualTo(80);
        }
    }

    /**
     * Starts bin/jxen-run with {@code args}, reading more arguments from a FIFO (picocli's
     * {@code @file}), and returns once it has opened the FIFO: the JVM is up, its signal
     * handling installed, and jxen-run waits there for the test, with no KVM needed.
     */
    private Waiting startWaitingForArguments(String... args) throws Exception {
        Path fifo = mkfifo("args");
        Path pidFile = tmp.resolve("pid");
        List<String> all = new ArrayList<>(List.of(args));
        all.add("@" + fifo);
        GuestProcess p = startWithPid(pidFile, all);
        // Opening a FIFO to write blocks until its reader opens it: on a thread, with a deadline.
        var opened = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return Files.newOutputStream(fifo);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try {
            java.io.OutputStream w = opened.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            return new Waiting(p, w, pid(pidFile));
        } catch (java.util.concurrent.TimeoutException e) {
            p.close();
            throw new AssertionError("jxen-run did not open " + fifo + p.describe(), e);
        }
    }

    /** A jxen-run blocked reading its arguments from {@code args}. */
    record Waiting(GuestProcess process, java.io.OutputStream args, long pid) implements AutoCloseable {
        /** Gives jxen-run the rest of its arguments, which lets it go on. */
        void release(String more) throws IOException {
            args.write(more.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            args.close();
        }

        @Override
        public void close() throws IOException {
            process.close();
            args.close();
        }
    }

    private Path mkfifo(String name) throws Exception {
        Path fifo = tmp.resolve(name);
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor()).as("mkfifo").isZero();
        return fifo;
    }

    /** Starts bin/jxen-run with {@code args}; the shell writes its pid, which exec hands on, to {@code pidFile}. */
    static GuestProcess startWithPid(Path pidFile, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "echo $$ > \"$0\"; exec \"$@\"", pidFile.toString(),
                org.jxen.testkit.Checkout.bin("jxen-run").toString()));
        cmd.addAll(args);
        return GuestProcess.startRaw(cmd, Map.of());
    }

    static long pid(Path pidFile) throws IOException {
        return Long.parseLong(Files.readString(pidFile).strip());
    }

    static void signal(long pid, String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor()).as("kill -s " + name + " " + pid).isZero();
    }

    @Test
    void sigintBeforeTheVmExistsExits130Quietly() throws Exception {
        try (Waiting w = startWaitingForArguments()) {
            signal(w.pid(), "INT");
            assertThat(w.process().awaitExit(WAIT)).as(w.process().describe()).isEqualTo(130);
            assertThat(w.process().stdout()).isEmpty();
            assertThat(w.process().stderr()).doesNotContain("\tat ").doesNotContain("Exception");
        }
    }

    @Test
    void sigquitThreadDumpStaysOffTheConsole() throws Exception {
        try (Waiting w = startWaitingForArguments()) {
            GuestProcess p = w.process();
            signal(w.pid(), "QUIT");
            // The JVM writes the dump on its signal thread: wait until it is out, on either stream.
            long deadline = System.nanoTime() + WAIT.toNanos();
            synchronized (p) {
                while (!(p.stdout() + p.stderr()).contains("Full thread dump")) {
                    long left = deadline - System.nanoTime();
                    assertThat(left).as("a thread dump" + p.describe()).isPositive();
                    java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(p, left);
                }
            }
            w.release("--host-info\n");
            assertThat(p.awaitExit(WAIT)).as(p.describe()).isZero();
            assertThat(p.stdout()).as("stdout, the guest's console").doesNotContain("Full thread dump")
                    .startsWith("host ");
            assertThat(p.stderr()).contains("Full thread dump");
        }
    }

    @Test
    void sigintDestroysARunningVmAndExits130() throws Exception {
        HostAssume.kvm();
        Path pidFile = tmp.resolve("pid");
        try (GuestProcess p = startWithPid(pidFile, List.of("--kernel", TestGuests.pvh("shutdown").toString(), "--timeout",
                "60", "--cmdline", "action=halt"))) {
            p.awaitOutput("^jxen-guest shutdown end", WAIT);
            signal(pid(pidFile), "INT");
            assertThat(p.awaitExit(WAIT)).as(p.describe()).isEqualTo(130);
            assertThat(p.stderr()).contains("jxen-run: domain 'jxen-run' destroyed: SIGINT");
        }
    }

    @Test
    void helpToAFullDiskFails() throws Exception {
        Result r = sh("exec \"$0\" --help > /dev/full", org.jxen.testkit.Checkout.bin("jxen-run").toString());
        assertOneLineError(r, "cannot write to standard output: No space left on device");
    }

    @Test
    void hostInfoToAClosedPipeFails() throws Exception {
        // jxen-run starts only once the pipe's reader has closed it (the FIFO orders the two).
        Path ready = mkfifo("ready");
        Result r = sh("{ read _ < \"$1\"; \"$0\" --host-info; echo \"status=$?\" >&2; } | { exec 0<&-; echo > \"$1\"; }",
                org.jxen.testkit.Checkout.bin("jxen-run").toString(), ready.toString());
        assertThat(r.stderr()).contains("jxen-run: cannot write to standard output: Broken pipe").contains("status=1")
                .doesNotContain("\tat ");
    }

    static Result sh(String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", script));
        cmd.addAll(List.of(args));
        try (GuestProcess p = GuestProcess.startRaw(cmd, Map.of())) {
            p.closeInput();
            return new Result(p.awaitExit(WAIT), p.stdout(), p.stderr());
        }
    }

    @Test
    void verboseRunPrintsNoJdkStackTraceAtExit() throws Exception {
        Result r = run(Map.of(), "-v", "--host-info");
        assertThat(r.status()).isZero();
        assertThat(r.stderr()).doesNotContain("\tat ").doesNotContain("Throwable");
    }

    @Test
    void bootVcpuHaltedWithInterruptsDisabledIsReportedOnce() throws Exception {
        HostAssume.kvm();
        Result r = haltUntilTimeout("2");
        assertThat(r.stderr()).containsPattern("jxen-run: warning: vCPU 0 halted with interrupts disabled at RIP 0x[0-9a-f]+: "
                + "it can only be woken by an NMI\n");
        assertThat(r.stderr().split("halted with interrupts disabled", -1)).as(r.stderr()).hasSize(2);
    }

    @Test
    void hostInfoSaysWhichKvm() throws Exception {
        Result r = run(Map.of(), "--host-info");
        assertThat(r.status()).isZero();
        assertThat(r.stdout()).containsPattern("(?m)^kvm_kind\\s+: (hardware|emulated-supervisor|none)")
                .containsPattern("(?m)^total_memory\\s+: \\d+");
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }
}
