package org.jxen.toolstack.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.jxen.toolstack.config.DomainConfigSpec;
import org.jxen.toolstack.config.XlConfig;
import org.jxen.vmm.machine.HostFacts;
import org.jxen.vmm.vcpu.ShutdownReason;
import org.jxen.xenstore.server.XenstoreServer;
import org.jxen.xenstore.store.Caller;
import org.jxen.xenstore.store.Quota;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lifecycle, with fake guests: what xl and the API see, and what XenStore holds. */
class DomainManagerTest {
    static final HostFacts HOST = new HostFacts(HostFacts.KvmKind.HARDWARE, "kvm_intel", 8L << 30, 4, "6.1.0", "test cpu");
    @TempDir
    Path dir;
    XenstoreServer xs = new XenstoreServer(Quota.XEN_DEFAULTS);
    FakeGuests guests = new FakeGuests();
    DomainManager m;

    @BeforeEach
    void start() throws IOException {
        m = new DomainManager(xs, dir.resolve("state"), dir.resolve("log"), guests, HOST);
    }

    @AfterEach
    void stop() {
        m.close();
    }

    static DomainConfigSpec config(String text) throws Exception {
        return DomainConfigSpec.from(XlConfig.parse("test.cfg", text));
    }

    static DomainConfigSpec named(String name, String... extra) throws Exception {
        return config("name = \"" + name + "\"\ntype = \"pvh\"\nkernel = \"/k.elf\"\nmemory = 64\n" + String.join("\n", extra) + "\n");
    }

    String read(String path) {
        return xs.withStore(s -> {
            try {
                return new String(s.read(s, Caller.DOM0, path), StandardCharsets.UTF_8);
            } catch (Exception e) {
                return null;
            }
        });
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void createsDomainsWithIncreasingIdsAndTheirXenstoreTree() throws Exception {
        DomainInfo a = m.create(named("a"), CreateOptions.DEFAULT);
        DomainInfo b = m.create(named("b"), CreateOptions.DEFAULT);
        assertThat(a.domid()).isEqualTo(1);
        assertThat(b.domid()).isEqualTo(2);
        assertThat(m.list()).extracting(DomainInfo::name).containsExactly("Domain-0", "a", "b");
        assertThat(m.list().get(0).memoryMiB()).isEqualTo(8192);
        assertThat(read("/local/domain/1/name")).isEqualTo("a");
        assertThat(read("/local/domain/1/domid")).isEqualTo("1");
        assertThat(read("/local/domain/1/memory/target")).isEqualTo("65536");
        assertThat(read("/local/domain/1/vm")).isEqualTo("/vm/" + a.uuid());
        assertThat(read("/vm/" + a.uuid() + "/name")).isEqualTo("a");
        assertThat(read("/local/domain/1/cpu/0/availability")).isEqualTo("online");
        assertThat(read("/local/domain/0/name")).isEqualTo("Domain-0");
        // The guest may write its own control node, and only read the rest.
        String perms = xs.withStore(s -> {
            try {
                return s.getPerms(s, Caller.DOM0, "/local/domain/1/control/shutdown") + " / "
                        + s.getPerms(s, Caller.DOM0, "/local/domain/1/name");
            } catch (Exception e) {
                return e.toString();
            }
        });
        assertThat(perms).isEqualTo("n1 / n0 r1");
        m.destroy("a");
        assertThat(m.create(named("c"), CreateOptions.DEFAULT).domid()).as("domids are not reused").isEqualTo(3);
    }

    /** A privileged XenStore client in the same process: the events its watches get. */
    static final class Watcher extends org.jxen.xenstore.server.Connection {
        final java.util.List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();

        Watcher() {
            super(0, true, "test watcher");
        }

        @Override
        protected void deliverEvent(org.jxen.xenstore.wire.XsPacket packet) {
            events.add(new String(packet.payload(), StandardCharsets.UTF_8).replace('\0', ' ').strip());
        }

        @Override
        protected void shutdownTransport() {
        }
    }

    @Test
    void createAndDestroyFireIntroduceAndReleaseDomain() throws Exception {
        Watcher w = new Watcher();
        xs.connect(w);
        for (String node : List.of("@introduceDomain", "@releaseDomain")) {
            xs.handle(w, org.jxen.xenstore.wire.XsPacket.of(org.jxen.xenstore.wire.XsOp.WATCH, 1, 0,
                    (node + "\0t\0").getBytes(StandardCharsets.UTF_8)), reply -> { });
        }
        w.events.clear();
        m.create(named("watched"), CreateOptions.DEFAULT);
        assertThat(w.events).containsExactly("@introduceDomain t");
        m.destroy("watched");
        assertThat(w.events).containsExactly("@introduceDomain t", "@releaseDomain t");
    }

    @Test
    void refusesBadConfigsWithXlsWords() throws Exception {
        m.create(named("web"), CreateOptions.DEFAULT);
        assertThatThrownBy(() -> m.create(named("web"), CreateOptions.DEFAULT)).hasMessage("domain with name \"web\" already exists")
                .extracting(e -> ((DomainException) e).kind()).isEqualTo(DomainException.Kind.EXISTS);
        assertThatThrownBy(() -> m.create(config("name=\"h\"\ntype=\"hvm\"\n"), CreateOptions.DEFAULT))
                .hasMessageContaining("needs firmware");
        assertThatThrownBy(() -> m.create(config("name=\"n\"\ntype=\"pvh\"\n"), CreateOptions.DEFAULT))
                .hasMessageContaining("gives no kernel");
        assertThatThrownBy(() -> m.rename("web", "42")).hasMessageContaining("is a number");
        assertThatThrownBy(() -> m.destroy("nosuch")).hasMessage("nosuch is an invalid domain identifier (rc=-6)");
        assertThatThrownBy(() -> m.destroy("0")).hasMessage("Cannot destroy privileged domain 0.");
        guests.refuse = "/k.elf is not a kernel jxen can boot";
        assertThatThrownBy(() -> m.create(named("bad"), CreateOptions.DEFAULT)).hasMessage("/k.elf is not a kernel jxen can boot");
        assertThat(m.list()).extracting(DomainInfo::name).containsExactly("Domain-0", "web");
        assertThat(read("/local/domain/2/name")).as("a failed create leaves no tree").isNull();
    }

    @Test
    void poweroffDestroysByDefaultAndRemovesTreeAndRecord() throws Exception {
        DomainInfo d = m.create(named("p"), CreateOptions.DEFAULT);
        assertThat(dir.resolve("state/domains/1.json")).exists();
        var gone = m.gone(d.domid());
        guests.last().end(ShutdownReason.POWEROFF);
        gone.get(20, TimeUnit.SECONDS);
        assertThat(m.list()).hasSize(1);
        assertThat(read("/local/domain/1/name")).isNull();
        assertThat(read("/vm/" + d.uuid() + "/name")).isNull();
        assertThat(dir.resolve("state/domains/1.json")).doesNotExist();
        assertThat(guests.last().closed).isTrue();
        assertThat(Files.readString(dir.resolve("log/xl-p.log"))).contains("shut down: poweroff").contains("destroyed");
    }

    @Test
    void rebootRestartsWithTheSameIdAndName() throws Exception {
        m.create(named("r"), CreateOptions.DEFAULT);
        FakeGuests.FakeGuest first = guests.last();
        first.end(ShutdownReason.REBOOT);
        await(() -> guests.built.size() == 2 && guests.last().started, "the domain restarted");
        assertThat(first.closed).isTrue();
        assertThat(m.find("r").domid()).isEqualTo(1);
        assertThat(guests.last().spec.name()).isEqualTo("r");
    }

    @Test
    void aPreservedCrashStaysListedAsCrashedUntilDestroyed() throws Exception {
        m.create(named("c", "on_crash = \"preserve\""), CreateOptions.DEFAULT);
        guests.last().end(ShutdownReason.CRASH);
        await(() -> {
            try {
                return m.find("c").stateLetters().equals("---sc-");
            } catch (DomainException e) {
                return false;
            }
        }, "the domain shows as crashed");
        assertThat(m.find("c").shutdownReason()).contains("crash");
        m.destroy("c");
        assertThat(m.list()).hasSize(1);
    }

    @Test
    void renameRestartKeepsTheOldOneUnderANewNameAndStartsAFreshDomain() throws Exception {
        m.create(named("rr", "on_reboot = \"rename-restart\""), CreateOptions.DEFAULT);
        guests.last().end(ShutdownReason.REBOOT);
        await(() -> m.list().size() == 3, "a new domain was created");
        List<DomainInfo> l = m.list();
        assertThat(l.get(1).domid()).isEqualTo(1);
        assertThat(l.get(1).name()).startsWith("rr--");
        assertThat(l.get(1).stateLetters()).isEqualTo("---s--");
        assertThat(l.get(2).domid()).isEqualTo(2);
        assertThat(l.get(2).name()).isEqualTo("rr");
        assertThat(read("/local/domain/1/name")).startsWith("rr--");
    }

    @Test
    void coredumpDestroyWritesTheCoreThenDestroys() throws Exception {
        DomainInfo d = m.create(named("cd", "on_crash = \"coredump-destroy\""), CreateOptions.DEFAULT);
        var gone = m.gone(d.domid());
        guests.last().end(ShutdownReason.CRASH);
        gone.get(20, TimeUnit.SECONDS);
        try (var files = Files.list(dir.resolve("state/dump"))) {
            List<Path> cores = files.toList();
            assertThat(cores).hasSize(1);
            assertThat(cores.get(0).getFileName().toString()).startsWith("cd.").endsWith(".core");
            assertThat(Files.readString(cores.get(0))).isEqualTo("core of cd");
        }
    }

    @Test
    void shutdownWritesControlShutdownAndPressesThePowerButton() throws Exception {
        DomainInfo d = m.create(named("s"), CreateOptions.DEFAULT);
        var gone = m.gone(d.domid());
        FakeGuests.FakeGuest g = guests.last();
        m.shutdown("s", false, false);
        assertThat(g.buttonPresses).isEqualTo(1);
        gone.get(20, TimeUnit.SECONDS);
    }

    @Test
    void rebootWithoutPvDriversNeedsForceAsInXen() throws Exception {
        m.create(named("rb"), CreateOptions.DEFAULT);
        assertThatThrownBy(() -> m.shutdown("rb", true, false)).hasMessageContaining("Use \"-F\" to fallback to ACPI reset");
        assertThat(read("/local/domain/1/control/shutdown")).isEqualTo("reboot");
        m.shutdown("rb", true, true);
        await(() -> guests.built.size() == 2, "the domain was reset and restarted");
    }

    @Test
    void aGuestThatIgnoresThePowerButtonCannotBeShutDown() throws Exception {
        m.create(named("deaf"), CreateOptions.DEFAULT);
        guests.last().buttonEnabled = false;
        assertThatThrownBy(() -> m.shutdown("deaf", false, false)).hasMessageContaining("xl destroy stops it");
    }

    @Test
    void pauseRenameAndStates() throws Exception {
        m.create(named("x"), CreateOptions.DEFAULT);
        m.pause("x");
        assertThat(m.find("x").stateLetters()).isEqualTo("--p---");
        assertThat(guests.last().paused).isTrue();
        m.unpause("1");
        assertThat(m.find("x").stateLetters()).isEqualTo("-b----");
        m.rename("x", "y");
        assertThat(m.find("y").domid()).isEqualTo(1);
        assertThat(read("/local/domain/1/name")).isEqualTo("y");
        m.create(named("z"), CreateOptions.DEFAULT);
        assertThatThrownBy(() -> m.rename("z", "y")).hasMessageContaining("already exists");
        assertThatThrownBy(() -> m.setVcpus("y", 4)).hasMessageContaining("hot-plug");
    }

    @Test
    void cpusFromTheConfigAndVcpuPinSetTheVcpuThreadsAffinity() throws Exception {
        guests.realThreads = true;
        m.create(named("pinned", "cpus = \"0\""), CreateOptions.DEFAULT);
        int tid = guests.last().tid;
        java.util.BitSet zero = new java.util.BitSet();
        zero.set(0);
        assertThat(org.jxen.sys.LibC.getAffinity(tid)).isEqualTo(zero);
        assertThat(m.vcpus("pinned")).singleElement().satisfies(v -> assertThat(v.hardAffinity().toString()).isEqualTo("0"));
        m.pinVcpu("pinned", 0, org.jxen.toolstack.config.CpuList.all(), null);
        assertThat(org.jxen.sys.LibC.getAffinity(tid).cardinality()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThatThrownBy(() -> m.pinVcpu("pinned", 3, org.jxen.toolstack.config.CpuList.all(), null))
                .hasMessageContaining("has no vCPU 3");
    }

    @Test
    void aDomainDestroyedWhileItsVmIsBeingBuiltNeverStartsAndLeavesNothing() throws Exception {
        guests.buildGate = new java.util.concurrent.CountDownLatch(1);
        DomainConfigSpec racy = named("racy");
        var create = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return m.create(racy, CreateOptions.DEFAULT);
            } catch (DomainException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        assertThat(guests.building.await(20, TimeUnit.SECONDS)).isTrue();
        m.destroy("racy");
        guests.buildGate.countDown();
        assertThatThrownBy(() -> create.get(20, TimeUnit.SECONDS)).hasMessageContaining("destroyed while it was being built");
        assertThat(guests.last().started).as("the VM never started").isFalse();
        assertThat(guests.last().closed).isTrue();
        assertThat(read("/local/domain/1/name")).isNull();
        assertThat(m.list()).hasSize(1);
    }

    @Test
    void disksBecomeVirtioBlkDevicesOnTheirImages() throws Exception {
        Path img = dir.resolve("web.raw");
        Files.write(img, new byte[1 << 20]);
        m.create(named("disks", "disk = [ '" + img + ",raw,xvda,w', '" + dir.resolve("none.qcow2") + ",qcow2,xvdb,r' ]"),
                CreateOptions.DEFAULT);
        assertThat(guests.lastDevices).as("two disks and the balloon").hasSize(3);
        try (var memory = org.jxen.vmm.memory.GuestMemory.create("dev-test",
                new org.jxen.vmm.memory.AddressMap(16 * org.jxen.vmm.memory.AddressMap.MIB))) {
            var placed = guests.lastDevices.get(0).build(memory);
            assertThat(placed.name()).isEqualTo("disk xvda");
            assertThat(placed.device()).isInstanceOf(org.jxen.vmm.virtio.blk.VirtioBlkDevice.class);
            assertThat(placed.device().config()).startsWith((byte) 0x00, (byte) 0x08); // capacity: 2048 sectors
            placed.owned().close();
            assertThatThrownBy(() -> guests.lastDevices.get(1).build(memory)).hasMessageStartingWith("disk xvdb: qcow2 image ")
                    .hasMessageContaining("does not exist");
        }
    }

    @Test
    void disksAreAttachedInVdevOrderWhateverTheConfigsOrder() throws Exception {
        Path a = dir.resolve("a.raw");
        Path b = dir.resolve("b.raw");
        Path c = dir.resolve("c.raw");
        for (Path p : List.of(a, b, c)) {
            Files.write(p, new byte[1 << 20]);
        }
        m.create(named("order", "disk = [ '" + c + ",raw,xvdc,w', '" + a + ",raw,xvda,w', '" + b + ",raw,xvdb,w' ]"),
                CreateOptions.DEFAULT);
        try (var memory = org.jxen.vmm.memory.GuestMemory.create("order-test",
                new org.jxen.vmm.memory.AddressMap(16 * org.jxen.vmm.memory.AddressMap.MIB))) {
            List<String> names = new java.util.ArrayList<>();
            for (var f : guests.lastDevices.subList(0, 3)) {
                var placed = f.build(memory);
                names.add(placed.name());
                placed.owned().close();
            }
            assertThat(names).containsExactly("disk xvda", "disk xvdb", "disk xvdc");
        }
    }

    @Test
    void aVifKeepsItsRandomMacAcrossReboots() throws Exception {
        m.create(named("net", "vif = [ 'bridge=nosuchbr0' ]", "on_reboot = \"restart\""), CreateOptions.DEFAULT);
        assertThat(guests.lastDevices).as("the vif and the balloon").hasSize(2);
        var first = guests.lastDevices.get(0);
        guests.last().end(ShutdownReason.REBOOT);
        await(() -> guests.built.size() == 2, "the domain restarted");
        try (var memory = org.jxen.vmm.memory.GuestMemory.create("vif-test",
                new org.jxen.vmm.memory.AddressMap(16 * org.jxen.vmm.memory.AddressMap.MIB))) {
            // Both incarnations ask for the same interface and MAC; the bridge is missing, which the error names.
            String a = org.assertj.core.api.Assertions.catchThrowable(() -> first.build(memory)).getMessage();
            String b = org.assertj.core.api.Assertions.catchThrowable(() -> guests.lastDevices.get(0).build(memory)).getMessage();
            assertThat(a).isEqualTo(b).startsWith("vif 0: bridge nosuchbr0 does not exist");
        }
    }

    @Test
    void aVifsMacIsTheConfigsOrOneRandomXenMacKeptPerDomain() throws Exception {
        var macs = new java.util.HashMap<Integer, org.jxen.net.MacAddress>();
        DomainConfigSpec c = named("m", "vif = [ 'mac=00:16:3e:aa:bb:cc', 'bridge=br1' ]");
        DomainDevices.of(7, c, macs);
        var first = Map.copyOf(macs);
        DomainDevices.of(7, c, macs);
        assertThat(macs).isEqualTo(first).hasSize(2);
        assertThat(macs.get(0).toString()).isEqualTo("00:16:3e:aa:bb:cc");
        assertThat(macs.get(1).toString()).startsWith("00:16:3e:");
    }

    @Test
    void vdevNamesGetXensDeviceNumbers() {
        assertThat(VirtualDevice.number("xvda")).isEqualTo(51712);
        assertThat(VirtualDevice.number("xvdb")).isEqualTo(51728);
        assertThat(VirtualDevice.number("xvda1")).isEqualTo(51713);
        assertThat(VirtualDevice.number("xvdq")).isEqualTo(268439552);
        assertThat(VirtualDevice.number("sda")).isEqualTo(2048);
        assertThat(VirtualDevice.number("hda")).isEqualTo(768);
        assertThat(VirtualDevice.number("hdc")).isEqualTo(5632);
        assertThat(VirtualDevice.number("d0p1")).isEqualTo(51713);
        assertThat(VirtualDevice.number("51712")).isEqualTo(51712);
        assertThat(VirtualDevice.number("vda")).isEqualTo(-1);
    }

    @Test
    void disksAndVifsHaveTheirBackendAndFrontendEntriesUntilDestroy() throws Exception {
        m.create(named("devs", "disk = [ '/img/web.raw,raw,xvda,w' ]", "vif = [ 'mac=00:16:3e:01:02:03,bridge=br9' ]"),
                CreateOptions.DEFAULT);
        assertThat(read("/local/domain/0/backend/vbd/1/51712/params")).isEqualTo("/img/web.raw");
        assertThat(read("/local/domain/0/backend/vbd/1/51712/mode")).isEqualTo("w");
        assertThat(read("/local/domain/1/device/vbd/51712/backend")).isEqualTo("/local/domain/0/backend/vbd/1/51712");
        assertThat(read("/local/domain/0/backend/vif/1/0/mac")).isEqualTo("00:16:3e:01:02:03");
        assertThat(read("/local/domain/0/backend/vif/1/0/bridge")).isEqualTo("br9");
        assertThat(read("/local/domain/1/device/vif/0/state")).isEqualTo("4");
        m.destroy("devs");
        assertThat(read("/local/domain/0/backend/vbd/1/51712/params")).isNull();
        assertThat(read("/local/domain/0/backend/vif/1/0/mac")).isNull();
    }

    @Test
    void memSetSetsTheBalloonsTargetAndXenstoresMemoryTarget() throws Exception {
        m.create(named("mem", "memory = 256"), CreateOptions.DEFAULT);
        assertThatThrownBy(() -> m.setMemory("mem", 128)).as("before the machine has its balloon")
                .hasMessageContaining("no balloon device");
        try (var memory = org.jxen.vmm.memory.GuestMemory.create("balloon",
                new org.jxen.vmm.memory.AddressMap(16 * org.jxen.vmm.memory.AddressMap.MIB))) {
            var placed = guests.lastDevices.getLast().build(memory);
            var balloon = (org.jxen.vmm.virtio.balloon.VirtioBalloonDevice) placed.device();
            m.setMemory("mem", 128);
            assertThat(balloon.targetPages()).as("128 MiB of 4 KiB pages").isEqualTo(128 * 256);
            assertThat(m.find("mem").memoryMiB()).isEqualTo(128);
            assertThat(read("/local/domain/1/memory/target")).isEqualTo(Long.toString(128 << 10));
            assertThatThrownBy(() -> m.setMemory("mem", 512)).hasMessageContaining("built with 256 MiB");
            assertThatThrownBy(() -> m.setMemory("mem", 4)).hasMessageContaining("below the 16 MiB");
        }
    }

    @Test
    void createPausedStartsPaused() throws Exception {
        m.create(named("pp"), new CreateOptions(true, java.util.Optional.empty()));
        assertThat(guests.last().paused).isTrue();
        assertThat(m.find("pp").stateLetters()).isEqualTo("--p---");
    }

    @Test
    void aLateConsoleReaderSeesTheBootMessagesAndTypesToTheGuest() throws Exception {
        m.create(named("con"), CreateOptions.DEFAULT);
        try (ConsoleAttachment a = m.console("con")) {
            byte[] got = a.output().readNBytes("booted con\n".length());
            assertThat(new String(got, StandardCharsets.UTF_8)).isEqualTo("booted con\n");
            a.input().write("ls\r".getBytes(StandardCharsets.UTF_8));
            assertThat(guests.last().typed.toString()).isEqualTo("ls\r");
        }
        await(() -> Files.exists(dir.resolve("log/console/guest-con.log")), "the console log exists");
    }

    @Test
    void recordsOfAPreviousJxendAreReportedAsLost() throws Exception {
        m.create(named("old"), CreateOptions.DEFAULT);
        // A new manager on the same state directory, as after kill -9 of jxend.
        DomainManager again = new DomainManager(new XenstoreServer(Quota.XEN_DEFAULTS), dir.resolve("state"),
                dir.resolve("log"), new FakeGuests(), HOST);
        assertThat(again.dmesg(false)).contains("domain 1 (old) did not survive the end of the previous jxend");
        assertThat(dir.resolve("state/domains/1.json")).doesNotExist();
        assertThat(again.list()).hasSize(1);
        again.close();
    }

    @Test
    void manyThreadsCreatingAndDestroyingKeepIdsUniqueAndLeaveNothing() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<List<Integer>>> futures = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            futures.add(pool.submit(() -> {
                List<Integer> ids = new ArrayList<>();
                for (int i = 0; i < 25; i++) {
                    DomainInfo d = m.create(named("t" + thread + "-" + i), CreateOptions.DEFAULT);
                    ids.add(d.domid());
                    m.list();
                    m.destroy(Integer.toString(d.domid()));
                }
                return ids;
            }));
        }
        Set<Integer> all = new HashSet<>();
        for (Future<List<Integer>> f : futures) {
            all.addAll(f.get(60, TimeUnit.SECONDS));
        }
        pool.shutdown();
        assertThat(all).hasSize(100);
        assertThat(m.list()).hasSize(1);
        try (var files = Files.list(dir.resolve("state/domains"))) {
            assertThat(files.toList()).isEmpty();
        }
        Object node = xs.withStore(s -> s.get("/local/domain/5"));
        assertThat(node).isNull();
    }

    @Test
    void hostInfoCountsTheMemoryDomainsTake() throws Exception {
        m.create(named("mem"), CreateOptions.DEFAULT);
        assertThat(m.hostInfo()).containsEntry("total_memory", "8192").containsEntry("free_memory", "8128")
                .containsEntry("nr_cpus", "4").containsEntry("kvm_kind", "hardware");
        assertThat(m.hostInfo().keySet()).startsWith("host", "release", "version", "machine", "nr_cpus");
    }

    /** A bootloader for the seam's test: the disk is a text file naming the kernel, and args pick the command line. */
    static final class TextBootloader implements Bootloader {
        final java.util.List<java.util.List<String>> calls = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public boolean handles(String name) {
            return name.endsWith("pygrub");
        }

        @Override
        public Loaded load(java.util.List<String> args, Path disk, Path outputDir) throws IOException {
            calls.add(args);
            String content = Files.readString(disk).strip();
            if (content.isEmpty()) {
                throw new IOException("no GRUB menu on " + disk);
            }
            Path k = outputDir.resolve("kernel");
            Files.writeString(k, content);
            return new Loaded(k, java.util.Optional.empty(), "root=/dev/vda ro " + String.join(" ", args));
        }
    }

    @Test
    void aBootloaderPicksTheKernelFromTheFirstDiskAtEveryBootAndItsFilesGoWithTheDomain() throws Exception {
        Path disk = dir.resolve("disk.img");
        Files.writeString(disk, "kernel-v1");
        TextBootloader b = new TextBootloader();
        m.useBootloader(b);
        DomainConfigSpec c = config("name = \"pg\"\ntype = \"pvh\"\nmemory = 64\nbootloader = \"pygrub\"\n"
                + "bootloader_args = [ \"--entry=1\" ]\nextra = \"console=ttyS0\"\ndisk = [ \"" + disk + ",raw,xvda,rw\" ]\n");
        DomainInfo info = m.create(c, CreateOptions.DEFAULT);
        FakeGuests.FakeGuest g = guests.last();
        assertThat(g.spec.cmdline()).isEqualTo("root=/dev/vda ro --entry=1 console=ttyS0");
        assertThat(Files.readString(g.spec.kernel())).isEqualTo("kernel-v1");
        assertThat(g.spec.kernel()).isEqualTo(dir.resolve("state/boot/" + info.domid() + "/kernel"));
        // The guest installs a new kernel and reboots: the bootloader runs again.
        Files.writeString(disk, "kernel-v2");
        g.end(org.jxen.vmm.vcpu.ShutdownReason.REBOOT);
        await(() -> guests.built.size() == 2 && guests.last().started, "the domain restarted");
        assertThat(Files.readString(guests.last().spec.kernel())).isEqualTo("kernel-v2");
        assertThat(b.calls).hasSize(2);
        m.destroy("pg");
        assertThat(dir.resolve("state/boot/" + info.domid())).doesNotExist();
    }

    @Test
    void aBootloaderThatFindsNothingFailsTheCreateWithItsReasonAndLeavesNothing() throws Exception {
        Path disk = dir.resolve("empty.img");
        Files.writeString(disk, "");
        DomainConfigSpec c = config("name = \"pg\"\ntype = \"pvh\"\nmemory = 64\nbootloader = \"pygrub\"\n"
                + "disk = [ \"" + disk + ",raw,xvda,rw\" ]\n");
        assertThatThrownBy(() -> m.create(c, CreateOptions.DEFAULT)).hasMessage(
                "bootloader = \"pygrub\": jxen has pygrub (bootloader = \"pygrub\"), or give kernel = (and ramdisk =)");
        m.useBootloader(new TextBootloader());
        assertThatThrownBy(() -> m.create(c, CreateOptions.DEFAULT)).hasMessage("bootloader pygrub on disk xvda: no GRUB menu on " + disk);
        assertThat(m.list()).hasSize(1);
        assertThat(read("/local/domain/1")).isNull();
        DomainConfigSpec noDisk = config("name = \"pg\"\ntype = \"pvh\"\nmemory = 64\nbootloader = \"/usr/lib/xen/bin/pygrub\"\n");
        assertThatThrownBy(() -> m.create(noDisk, CreateOptions.DEFAULT))
                .hasMessage("bootloader = \"/usr/lib/xen/bin/pygrub\" reads the kernel from the first disk, and the config has none");
    }

    @Test
    void debugPortLinesAreInXlDmesgAsXenShowsThemAndInTheDomainsLog() throws Exception {
        DomainInfo info = m.create(named("dbg"), CreateOptions.DEFAULT);
        guests.last().debug.accept("Bootstrapping Mini-OS...");
        assertThat(m.dmesg(false)).contains("(d" + info.domid() + ") Bootstrapping Mini-OS...\n");
        assertThat(Files.readString(dir.resolve("log/xl-dbg.log"))).contains("(d" + info.domid() + ") Bootstrapping Mini-OS...");
    }
}
