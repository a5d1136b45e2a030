package org.jxen.toolstack.domain;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jxen.sys.LibC;
import org.jxen.sys.SysException;
import org.jxen.toolstack.config.CpuList;
import org.jxen.toolstack.config.DomainConfigSpec;
import org.jxen.toolstack.config.GuestType;
import org.jxen.toolstack.config.ShutdownAction;
import org.jxen.vmm.machine.HostFacts;
import org.jxen.vmm.machine.MachineSpec;
import org.jxen.vmm.machine.Outcome;
import org.jxen.vmm.vcpu.ShutdownReason;
import org.jxen.xenstore.server.XenstoreServer;

/**
 * Every domain of this host: libxl's job inside jxend. Domain ids count up from 1 and are not
 * reused while a domain holds one (after the top, {@value #MAX_DOMID}, they wrap, skipping live
 * ones). A guest's end is handled by its {@code on_*} action from the config, as xl's
 * {@code handle_domain_death} does: destroy, restart (a new VM, same domid and name),
 * rename-restart (the old one is kept under a new name, a new domain takes the name), preserve
 * (kept, shut down or crashed, until {@code xl destroy}), coredump-destroy and coredump-restart
 * (an ELF core under {@code $JXEN_STATEDIR/dump} first).
 *
 * <p>Threads: the xl commands and API requests call in from many threads; the domain table is
 * guarded by this object's monitor, and no VM is built or stopped while it is held. A guest's
 * end is handled on a virtual thread of its own.
 */
public final class DomainManager implements Domains, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("org.jxen.toolstack.domain");
    /** Highest ordinary domain id: {@code DOMID_FIRST_RESERVED - 1} (xen/xen.h, 0x7FF0). */
    static final int MAX_DOMID = 0x7FEF;
    /** Console output a late reader sees first. */
    static final int CONSOLE_BACKLOG = 64 * 1024;
    /** How long a destroy waits for the vCPUs to stop. */
    static final long STOP_WAIT_SECONDS = 30;
    /** Clock ticks per second of {@code /proc/.../stat} (sysconf(_SC_CLK_TCK), 100 on Linux). */
    static final int CLOCK_TICKS = 100;

    private final XenstoreLayout store;
    private final Path stateDir;
    private final Path logDir;
    private final GuestFactory factory;
    private final HostFacts host;
    private final DomainRecords records;
    private final EventRing events = new EventRing();
    private final TreeMap<Integer, Domain> domains = new TreeMap<>();
    private final Instant started = Instant.now();
    private int lastDomid;
    private boolean closed;
    /** What {@code bootloader =} runs; null when jxend was given none. */
    private volatile Bootloader bootloader;

    /** The manager jxend runs: KVM machines on {@code JXEN_KVM_DEVICE} (default /dev/kvm). */
    public static DomainManager start(XenstoreServer xs, Path stateDir, Path logDir, HostFacts host) throws IOException {
        String dev = System.getenv("JXEN_KVM_DEVICE");
        return new DomainManager(xs, stateDir, logDir, new MachineGuests(Path.of(dev == null || dev.isEmpty() ? "/dev/kvm" : dev),
                host), host);
    }

    public DomainManager(XenstoreServer xs, Path stateDir, Path logDir, GuestFactory factory, HostFacts host) throws IOException {
        this.store = new XenstoreLayout(xs);
        this.stateDir = stateDir;
        this.logDir = logDir;
        this.factory = factory;
        this.host = host;
        this.records = DomainRecords.inDirectory(stateDir.resolve("domains"));
        store.writeDomain0(host.totalMemoryBytes() >> 10, host.hostCpus());
        events.add("jxend started on a host with " + host.hostCpus() + " CPUs, " + (host.totalMemoryBytes() >> 20)
                + " MiB and KVM " + host.kvmDescription());
        // Domains lived inside the jxend that wrote these records: none survived its end.
        for (DomainRecords.Record r : records.all(bad -> events.add("ignored a damaged domain record " + bad))) {
            events.add("domain " + r.domid() + " (" + r.name() + ") did not survive the end of the previous jxend");
            LOG.log(System.Logger.Level.WARNING, "domain " + r.domid() + " (" + r.name()
                    + ") did not survive the end of the previous jxend; its record is removed");
            records.remove(r.domid());
        }
    }

    /** Sets what a config's {@code bootloader =} runs (pygrub, from the provisioning layer). */
    public void useBootloader(Bootloader b) {
        this.bootloader = b;
    }

    /**
     * The machine for a boot of {@code config}: its {@code kernel =}, or what its bootloader finds
     * in the first disk (written under the state directory's {@code boot/DOMID}); the config's
     * command line goes after the bootloader's, as {@code extra} adds to a kernel's.
     */
    private MachineSpec machineSpec(String name, int domid, DomainConfigSpec config) throws DomainException {
        DomainConfigSpec.Boot boot = config.boot();
        if (boot.kernel().isPresent()) {
            return new MachineSpec(name, config.memory().targetMiB(), config.vcpus().count(), Path.of(boot.kernel().get()),
                    boot.ramdisk().map(Path::of).orElse(null), boot.cmdline().orElse(""));
        }
        if (boot.bootloader().isEmpty()) {
            throw new DomainException(DomainException.Kind.INVALID,
                    "the config gives no kernel: jxen boots a kernel directly (kernel = \"/path/to/kernel\") or through "
                            + "bootloader = \"pygrub\"");
        }
        String which = boot.bootloader().get();
        Bootloader b = bootloader;
        if (b == null || !b.handles(which)) {
            throw new DomainException(DomainException.Kind.UNSUPPORTED, "bootloader = \"" + which
                    + "\": jxen has pygrub (bootloader = \"pygrub\"), or give kernel = (and ramdisk =)");
        }
        org.jxen.toolstack.config.DiskSpec disk = config.disks().stream().filter(x -> x.target().isPresent() && !x.cdrom())
                .findFirst().orElseThrow(() -> new DomainException(DomainException.Kind.INVALID, "bootloader = \"" + which
                        + "\" reads the kernel from the first disk, and the config has none"));
        Path out = stateDir.resolve("boot").resolve(Integer.toString(domid));
        try {
            deleteBootFiles(domid);
            Files.createDirectories(out);
            Bootloader.Loaded l = b.load(boot.bootloaderArgs(), Path.of(disk.target().get()), out);
            String cmdline = l.cmdline() + boot.cmdline().map(c -> " " + c).orElse("");
            return new MachineSpec(name, config.memory().targetMiB(), config.vcpus().count(), l.kernel(),
                    l.ramdisk().orElse(null), cmdline.strip());
        } catch (IOException | IllegalArgumentException e) {
            throw new DomainException(DomainException.Kind.INVALID, "bootloader " + which + " on disk " + disk.vdev() + ": "
                    + e.getMessage(), e);
        }
    }

    /** The guest's 0xE9 lines: into xl dmesg as Xen shows them ({@code (dN) text}), and the domain's log. */
    private void debugLines(Domain d, Guest g) {
        g.onDebugLine(line -> {
            events.addGuest(d.domid, line);
            d.logOnly("(d" + d.domid + ") " + line);
        });
    }

    private void deleteBootFiles(int domid) {
        Path out = stateDir.resolve("boot").resolve(Integer.toString(domid));
        try (var s = Files.list(out)) {
            for (Path f : s.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(out);
        } catch (java.nio.file.NoSuchFileException e) {
            // Nothing was extracted for this domain.
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove the boot files of domain " + domid + ": " + e.getMessage());
        }
    }

    /** One domain; its mutable fields are guarded by the manager's monitor. */
    private final class Domain {
        final int domid;
        final UUID uuid;
        final DomainConfigSpec config;
        final Optional<Path> configFile;
        final Instant created;
        final ConsoleBuffer console;
        final CompletableFuture<Void> gone = new CompletableFuture<>();
        String name;
        Guest guest;
        boolean paused;
        boolean dying;
        /** Set when the domain is kept after its guest stopped (preserve): Xen's shutdown reason. */
        ShutdownReason preservedReason;
        /** CPU time of earlier incarnations (restarts), in seconds. */
        double pastCpu;
        /** The memory target (xl mem-set), MiB; the VM was built with the config's. */
        volatile long targetMiB;
        /** The balloon of the current incarnation, once its machine is built. */
        volatile org.jxen.vmm.virtio.balloon.VirtioBalloonDevice balloon;
        /** Each vif's MAC by devid: chosen once, kept across reboots (xl-network-configuration(5)). */
        final Map<Integer, org.jxen.net.MacAddress> macs = new java.util.concurrent.ConcurrentHashMap<>();

        Domain(int domid, String name, UUID uuid, DomainConfigSpec config, Optional<Path> configFile) {
            this.domid = domid;
            this.name = name;
            this.uuid = uuid;
            this.config = config;
            this.configFile = configFile;
            this.created = Instant.now();
            this.targetMiB = config.memory().targetMiB();
            this.console = new ConsoleBuffer(name, logDir.resolve("console").resolve("guest-" + name + ".log"), CONSOLE_BACKLOG);
        }

        /** Appends to {@code xl-NAME.log}, as Xen's xl logs each domain's events. */
        void log(String message) {
            events.add("domain " + domid + " (" + name + ") " + message);
            logOnly(message);
        }

        /** A line in the domain's own log only (xl-NAME.log). */
        void logOnly(String message) {
            try {
                Files.createDirectories(logDir);
                Files.writeString(logDir.resolve("xl-" + name + ".log"), "[" + Instant.now() + "] " + message + "\n",
                        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot write " + logDir.resolve("xl-" + name + ".log") + ": "
                        + e.getMessage());
            }
        }
    }

    // --- lookups ---

    private synchronized Domain domain(String domSpec) throws DomainException {
        if (domSpec == null || domSpec.isEmpty()) {
            throw new DomainException(DomainException.Kind.NOT_FOUND, " is an invalid domain identifier (rc=-6)");
        }
        if (domSpec.chars().allMatch(Character::isDigit) && domSpec.length() < 10) {
            Domain d = domains.get(Integer.parseInt(domSpec));
            if (d != null) {
                return d;
            }
        } else {
            for (Domain d : domains.values()) {
                if (d.name.equals(domSpec)) {
                    return d;
                }
            }
        }
        throw new DomainException(DomainException.Kind.NOT_FOUND, domSpec + " is an invalid domain identifier (rc=-6)");
    }

    private static boolean isDomain0(String domSpec) {
        return "0".equals(domSpec) || "Domain-0".equals(domSpec);
    }

    @Override
    public synchronized List<DomainInfo> list() {
        List<DomainInfo> out = new ArrayList<>();
        out.add(domain0());
        for (Domain d : domains.values()) {
            out.add(info(d));
        }
        return out;
    }

    @Override
    public DomainInfo find(String domSpec) throws DomainException {
        if (isDomain0(domSpec)) {
            return domain0();
        }
        Domain d = domain(domSpec);
        synchronized (this) {
            return info(d);
        }
    }

    private DomainInfo domain0() {
        long mib = host.totalMemoryBytes() >> 20;
        double cpu = ProcessHandle.current().info().totalCpuDuration().map(c -> c.toNanos() / 1e9).orElse(0.0);
        return new DomainInfo(0, "Domain-0", new UUID(0, 0), mib, mib, host.hostCpus(), host.hostCpus(),
                Set.of(DomainState.RUNNING), cpu, hostBoot(), Optional.empty(), Optional.empty());
    }

    private Instant hostBoot() {
        try {
            String up = Files.readString(Path.of("/proc/uptime")).split(" ")[0];
            return Instant.now().minusMillis((long) (Double.parseDouble(up) * 1000));
        } catch (IOException | RuntimeException e) {
            return started;
        }
    }

    /** The domain's info; called with the monitor held. */
    private DomainInfo info(Domain d) {
        Set<DomainState> states = EnumSet.noneOf(DomainState.class);
        double cpu = d.pastCpu;
        if (d.dying) {
            states.add(DomainState.DYING);
        }
        if (d.preservedReason != null) {
            states.add(DomainState.SHUTDOWN);
            if (d.preservedReason == ShutdownReason.CRASH) {
                states.add(DomainState.CRASHED);
            }
        } else if (d.guest != null) {
            boolean running = false;
            for (int tid : d.guest.vcpuThreads()) {
                ThreadStat s = ThreadStat.of(tid);
                cpu += s.cpuSeconds();
                running |= s.state() == 'R';
            }
            if (d.paused) {
                states.add(DomainState.PAUSED);
            } else {
                states.add(running ? DomainState.RUNNING : DomainState.BLOCKED);
            }
        }
        DomainConfigSpec c = d.config;
        return new DomainInfo(d.domid, d.name, d.uuid, d.targetMiB, c.memory().maxMiB(), c.vcpus().count(),
                c.vcpus().max(), states, cpu, d.created, Optional.ofNullable(d.preservedReason).map(ShutdownReason::xenName),
                Optional.of(c));
    }

    /** A thread's state letter, CPU time and last CPU from {@code /proc/self/task/TID/stat} (proc(5)). */
    record ThreadStat(char state, double cpuSeconds, int cpu) {
        static ThreadStat of(int tid) {
            if (tid <= 0) {
                return new ThreadStat('-', 0, -1);
            }
            try {
                String s = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"));
                // Fields after "(comm)": 3 state, 14 utime, 15 stime, 39 processor.
                String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                return new ThreadStat(f[0].charAt(0), ticks / (double) CLOCK_TICKS, Integer.parseInt(f[36]));
            } catch (IOException | RuntimeException e) {
                return new ThreadStat('-', 0, -1);
            }
        }
    }

    // --- create ---

    @Override
    public DomainInfo create(DomainConfigSpec config, CreateOptions options) throws DomainException {
        String name = config.name();
        checkName(name);
        if (config.type() == GuestType.HVM) {
            throw new DomainException(DomainException.Kind.UNSUPPORTED, "type = \"hvm\" needs firmware (SeaBIOS or OVMF), "
                    + "which jxen does not boot yet; use type = \"pvh\" with kernel = (and ramdisk =, cmdline =)");
        }
        if (config.boot().kernel().isEmpty() && config.boot().bootloader().isEmpty()) {
            machineSpec(name, 0, config); // says what is missing
        }
        Domain d;
        synchronized (this) {
            if (closed) {
                throw new DomainException(DomainException.Kind.FAILED, "jxend is stopping");
            }
            for (Domain o : domains.values()) {
                if (o.name.equals(name)) {
                    throw new DomainException(DomainException.Kind.EXISTS, "domain with name \"" + name + "\" already exists");
                }
            }
            d = new Domain(nextDomid(), name, config.uuid().orElseGet(UUID::randomUUID), config, options.configFile());
            d.dying = false;
            domains.put(d.domid, d);
        }
        store.create(d.domid, name, d.uuid, config.memory().targetMiB() << 10, config.memory().maxMiB() << 10,
                config.vcpus().count(), config.vcpus().max(), d.created);
        writeDevices(d);
        Guest g;
        MachineSpec spec;
        try {
            spec = machineSpec(name, d.domid, config);
            g = factory.build(spec, d.console, DomainDevices.of(d.domid, config, d.macs, b -> d.balloon = b));
            debugLines(d, g);
        } catch (DomainException | RuntimeException e) {
            discard(d);
            events.add("domain " + d.domid + " (" + name + ") could not be built: " + e.getMessage());
            throw e instanceof DomainException de ? de
                    : new DomainException(DomainException.Kind.FAILED, "building domain " + name + " failed: " + e, e);
        }
        warnings(config).forEach(d::log);
        try {
            try {
                launch(d, g, options.paused());
            } catch (DomainException e) {
                // Destroyed while being built: whatever of its tree the destroy did not see goes too.
                store.remove(d.domid, d.uuid);
                throw e;
            }
            records.save(new DomainRecords.Record(d.domid, name, d.uuid.toString(), d.created.toString(),
                    options.configFile().map(Path::toString).orElse(null)));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot write the record of domain " + d.domid + ": " + e.getMessage());
        }
        d.log("created" + (options.paused() ? " (paused)" : "") + " from " + options.configFile().map(Path::toString)
                .orElse("a config") + ": " + spec.memoryMib() + " MiB, " + spec.vcpus() + " vCPU(s), kernel " + spec.kernel());
        synchronized (this) {
            return info(d);
        }
    }

    /** The disks' and vifs' XenStore entries (backend and frontend), as libxl writes them. */
    private void writeDevices(Domain d) {
        for (org.jxen.toolstack.config.DiskSpec disk : d.config.disks()) {
            int devid = VirtualDevice.number(disk.vdev());
            if (devid >= 0) {
                store.addVbd(d.domid, devid, disk.vdev(), disk.target().orElse(""), disk.readwrite(), disk.cdrom());
            }
        }
        List<org.jxen.toolstack.config.VifSpec> vifs = d.config.vifs();
        for (int i = 0; i < vifs.size(); i++) {
            org.jxen.toolstack.config.VifSpec v = vifs.get(i);
            int devid = v.devid().orElse(i);
            org.jxen.net.MacAddress mac = d.macs.computeIfAbsent(devid,
                    k -> v.mac().map(org.jxen.net.MacAddress::parse).orElseGet(org.jxen.net.MacAddress::randomXen));
            store.addVif(d.domid, devid, mac.toString(), v.bridge().orElse(org.jxen.net.Vif.DEFAULT_BRIDGE),
                    v.vifname().orElse(org.jxen.net.Vif.defaultName(d.domid, devid)),
                    v.script().map(sc -> sc.contains("/") ? sc : org.jxen.net.VifScript.directory().resolve(sc).toString())
                            .orElse(null), v.mtu().orElse(0));
        }
    }

    @Override
    public List<String> warnings(DomainConfigSpec config) {
        List<String> w = new ArrayList<>(Domains.super.warnings(config));
        config.disks().stream().filter(disk -> VirtualDevice.number(disk.vdev()) < 0).forEach(disk -> w.add("disk vdev "
                + disk.vdev() + " is not a name Xen numbers (xvdX, sdX, hdX, dNpM); it has no XenStore entry"));
        if (config.type() == GuestType.PV) {
            w.add("type = \"pv\" has no KVM equivalent: the domain runs as PVH");
        }
        return w;
    }

    private static void checkName(String name) throws DomainException {
        if (name == null || name.isEmpty()) {
            throw new DomainException(DomainException.Kind.INVALID, "the domain has no name (name = \"...\" in the config)");
        }
        if (name.chars().allMatch(Character::isDigit)) {
            throw new DomainException(DomainException.Kind.INVALID, "domain name \"" + name
                    + "\" is a number, which xl would take for a domain id");
        }
        if (name.equals("Domain-0")) {
            throw new DomainException(DomainException.Kind.EXISTS, "domain with name \"Domain-0\" already exists");
        }
        for (char c : name.toCharArray()) {
            if (c < 0x20 || c == 0x7f || c == '/') {
                throw new DomainException(DomainException.Kind.INVALID, "domain name \"" + name.replaceAll("\\p{Cntrl}", "?")
                        + "\" has a control character or '/'");
            }
        }
    }

    /** The next free domid; called with the monitor held. */
    private int nextDomid() throws DomainException {
        for (int i = 0; i < MAX_DOMID; i++) {
            lastDomid = lastDomid >= MAX_DOMID ? 1 : lastDomid + 1;
            if (!domains.containsKey(lastDomid)) {
                return lastDomid;
            }
        }
        throw new DomainException(DomainException.Kind.FAILED, "every domain id is in use");
    }

    /**
     * Starts {@code g} as {@code d}'s guest and watches for its end. A domain destroyed (or a
     * jxend stopping) while its VM was being built does not get it: the VM is closed unstarted.
     */
    private void launch(Domain d, Guest g, boolean paused) throws DomainException {
        synchronized (this) {
            if (d.dying || closed || domains.get(d.domid) != d) {
                g.close();
                throw new DomainException(DomainException.Kind.FAILED, "domain " + d.domid + " (" + d.name
                        + ") was destroyed while it was being built");
            }
            d.guest = g;
            d.paused = paused;
        }
        try {
            if (paused) {
                g.pause();
            }
            g.start();
            applyAffinity(d, g);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            g.destroy("interrupted while starting");
        }
        g.outcome().whenComplete((o, ex) -> Thread.ofVirtual().name("domain-" + d.domid + "-end")
                .start(() -> ended(d, g, ex == null ? o : new Outcome(ShutdownReason.CRASH, String.valueOf(ex)))));
    }

    /**
     * The config's {@code cpus} as the vCPU threads' affinity (sched_setaffinity), once they
     * run: one list for all, or one per vCPU; {@code nodes:} through the host's NUMA nodes.
     */
    private void applyAffinity(Domain d, Guest g) {
        Optional<DomainConfigSpec.CpuAffinity> hard = d.config.vcpus().hardAffinity();
        if (hard.isEmpty()) {
            return;
        }
        List<Integer> tids = g.vcpuThreads();
        for (int i = 0; i < tids.size(); i++) {
            CpuList list = switch (hard.get()) {
                case DomainConfigSpec.CpuAffinity.AllVcpus a -> a.cpus();
                case DomainConfigSpec.CpuAffinity.PerVcpu p -> i < p.cpus().size() ? p.cpus().get(i) : null;
            };
            if (list == null || tids.get(i) <= 0) {
                continue;
            }
            BitSet cpus = list.resolve(host.hostCpus(), DomainManager::nodeCpus);
            if (cpus.isEmpty()) {
                d.log("cpus = \"" + list + "\" names no CPU of this host for vCPU " + i + "; it runs unpinned");
                continue;
            }
            try {
                LibC.setAffinity(tids.get(i), cpus);
            } catch (SysException e) {
                d.log("cannot pin vCPU " + i + " to " + list + ": " + e.getMessage());
            }
        }
    }

    /** The CPUs of NUMA node {@code n} ({@code /sys/devices/system/node/nodeN/cpulist}); empty if none. */
    static BitSet nodeCpus(int n) {
        BitSet b = new BitSet();
        try {
            String list = Files.readString(Path.of("/sys/devices/system/node/node" + n + "/cpulist")).strip();
            for (String part : list.split(",")) {
                if (part.isBlank()) {
                    continue;
                }
                String[] r = part.split("-");
                int first = Integer.parseInt(r[0].strip());
                int last = r.length == 2 ? Integer.parseInt(r[1].strip()) : first;
                b.set(first, last + 1);
            }
        } catch (IOException | RuntimeException e) {
            // No such node on this host: no CPUs.
        }
        return b;
    }

    // --- a guest's end: the on_* actions ---

    private void ended(Domain d, Guest g, Outcome o) {
        ShutdownAction action;
        synchronized (this) {
            if (d.guest != g) {
                return;
            }
            d.pastCpu += cpuOf(g);
            if (d.dying || o.reason() == ShutdownReason.DESTROYED) {
                action = ShutdownAction.DESTROY;
            } else {
                action = switch (o.reason()) {
                    case POWEROFF, SUSPEND -> d.config.actions().onPoweroff();
                    case REBOOT -> d.config.actions().onReboot();
                    case WATCHDOG -> d.config.actions().onWatchdog();
                    default -> d.config.actions().onCrash();
                };
            }
        }
        d.log("shut down: " + o.reason().xenName() + " (" + o.detail() + "); action " + action.xlName());
        try {
            switch (action) {
                case DESTROY, SOFT_RESET -> finish(d, g);
                case RESTART -> restart(d, g);
                case PRESERVE -> preserve(d, o.reason(), false);
                case RENAME_RESTART -> {
                    preserve(d, o.reason(), true);
                    recreate(d);
                }
                case COREDUMP_DESTROY -> {
                    dump(d, g);
                    finish(d, g);
                }
                case COREDUMP_RESTART -> {
                    dump(d, g);
                    restart(d, g);
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "domain " + d.domid + ": action " + action.xlName() + " failed: " + e);
            finish(d, g);
        }
    }

    private static double cpuOf(Guest g) {
        double cpu = 0;
        for (int tid : g.vcpuThreads()) {
            cpu += ThreadStat.of(tid).cpuSeconds();
        }
        return cpu;
    }

    private void restart(Domain d, Guest old) {
        old.close();
        DomainConfigSpec c = d.config;
        try {
            // The bootloader runs again at each boot, so a kernel the guest installed is the one that starts.
            MachineSpec spec = machineSpec(d.name, d.domid, c);
            Guest g = factory.build(spec, d.console, DomainDevices.of(d.domid, c, d.macs, b -> d.balloon = b));
            debugLines(d, g);
            d.log("restarting");
            launch(d, g, false);
        } catch (DomainException e) {
            d.log("cannot restart: " + e.getMessage() + "; destroying it");
            finish(d, null);
        }
    }

    /** Keeps the stopped domain listed; with {@code rename}, under xl's preserved name. */
    private void preserve(Domain d, ShutdownReason reason, boolean rename) {
        synchronized (this) {
            d.preservedReason = reason;
            d.paused = false;
            if (rename) {
                // xl's preserve_domain: the name plus a UTC time stamp frees the name for the restart.
                String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm'Z'").withZone(ZoneOffset.UTC).format(Instant.now());
                String newName = d.name + "--" + stamp;
                for (int n = 2; nameTaken(newName); n++) {
                    newName = d.name + "--" + stamp + "-" + n;
                }
                store.rename(d.domid, d.uuid, newName);
                d.name = newName;
                d.console.rename(newName);
            }
        }
        d.log("preserved (" + reason.xenName() + "); xl destroy removes it");
    }

    private boolean nameTaken(String name) {
        return domains.values().stream().anyMatch(o -> o.name.equals(name));
    }

    /** rename-restart: a new domain (new domid) from the same config takes the original name. */
    private void recreate(Domain old) {
        try {
            create(old.config, new CreateOptions(false, old.configFile));
        } catch (DomainException e) {
            old.log("cannot restart as a new domain: " + e.getMessage());
        }
    }

    private void dump(Domain d, Guest g) {
        String stamp = DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm.ss").withZone(ZoneOffset.UTC).format(Instant.now());
        // libxl's name for crash dumps: /var/lib/xen/dump/NAME.TIME.core (here under JXEN_STATEDIR).
        Path file = stateDir.resolve("dump").resolve(d.name + "." + stamp + ".core");
        try {
            g.coreDump(file);
            d.log("core dumped to " + file);
        } catch (IOException | RuntimeException e) {
            d.log("core dump to " + file + " failed: " + e.getMessage());
        }
    }

    /** The domain is gone: VM, console, XenStore tree, record. */
    private void finish(Domain d, Guest g) {
        synchronized (this) {
            if (domains.get(d.domid) != d) {
                return;
            }
            domains.remove(d.domid);
            d.dying = true;
        }
        if (g != null) {
            g.close();
        }
        Guest current = d.guest;
        if (current != null && current != g) {
            current.close();
        }
        d.console.close();
        store.remove(d.domid, d.uuid);
        deleteBootFiles(d.domid);
        try {
            records.remove(d.domid);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove the record of domain " + d.domid + ": " + e.getMessage());
        }
        d.log("destroyed");
        d.gone.complete(null);
    }

    /** A domain whose VM could not be built: undo what create did. */
    private void discard(Domain d) {
        synchronized (this) {
            domains.remove(d.domid);
        }
        d.console.close();
        store.remove(d.domid, d.uuid);
        deleteBootFiles(d.domid);
        d.gone.complete(null);
    }

    // --- operations ---

    @Override
    public void destroy(String domSpec) throws DomainException {
        if (isDomain0(domSpec)) {
            throw new DomainException(DomainException.Kind.INVALID, "Cannot destroy privileged domain 0.");
        }
        Domain d = domain(domSpec);
        Guest g;
        synchronized (this) {
            d.dying = true;
            g = d.guest;
        }
        if (g == null || d.preservedReason != null || g.outcome().isDone()) {
            finish(d, g);
        } else {
            g.destroy("xl destroy");
        }
        try {
            d.gone.get(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new DomainException(DomainException.Kind.FAILED, "domain " + d.domid + " did not stop within "
                    + STOP_WAIT_SECONDS + " s of xl destroy", e);
        }
    }

    @Override
    public void shutdown(String domSpec, boolean reboot, boolean force) throws DomainException {
        if (isDomain0(domSpec)) {
            throw new DomainException(DomainException.Kind.INVALID, "Domain-0 is the host: shut the host down instead");
        }
        Domain d = domain(domSpec);
        Guest g;
        synchronized (this) {
            g = d.guest;
            if (g == null || d.preservedReason != null || d.dying) {
                throw new DomainException(DomainException.Kind.INVALID, "domain " + d.domid + " is not running");
            }
        }
        // As libxl: the request goes where a guest with PV drivers watches for it...
        store.requestShutdown(d.domid, reboot ? "reboot" : "poweroff");
        if (pvControlWatched(d)) {
            d.log((reboot ? "reboot" : "shutdown") + " requested through control/shutdown");
            return;
        }
        // ... and a guest without them gets the ACPI event xl's -F falls back to.
        if (reboot) {
            if (!force) {
                throw new DomainException(DomainException.Kind.FAILED, "PV control interface not available: external "
                        + "graceful reboot not possible. Use \"-F\" to fallback to ACPI reset event.");
            }
            d.log("reboot: no PV control interface; ACPI reset (-F)");
            g.reset("xl reboot -F");
            return;
        }
        if (!g.powerButtonEnabled()) {
            throw new DomainException(DomainException.Kind.FAILED, "domain " + d.domid + " (" + d.name + ") has no PV "
                    + "control interface and has not enabled its ACPI power button: it cannot be asked to shut down "
                    + "(xl destroy stops it)");
        }
        d.log("shutdown: pressed the ACPI power button");
        g.pressPowerButton();
    }

    /**
     * Whether the guest watches {@code control/shutdown}: it would through its XenStore ring,
     * which no jxen guest has before the Xen guest ABI lands; until then, never.
     */
    private static boolean pvControlWatched(Domain d) {
        return false;
    }

    @Override
    public CompletableFuture<Void> gone(int domid) {
        synchronized (this) {
            Domain d = domains.get(domid);
            return d == null ? CompletableFuture.completedFuture(null) : d.gone.copy();
        }
    }

    @Override
    public void pause(String domSpec) throws DomainException {
        Domain d = running(domSpec, "pause");
        synchronized (this) {
            d.guest.pause();
            d.paused = true;
        }
        d.log("paused");
    }

    @Override
    public void unpause(String domSpec) throws DomainException {
        Domain d = running(domSpec, "unpause");
        synchronized (this) {
            d.guest.unpause();
            d.paused = false;
        }
        d.log("unpaused");
    }

    private Domain running(String domSpec, String what) throws DomainException {
        if (isDomain0(domSpec)) {
            throw new DomainException(DomainException.Kind.INVALID, "cannot " + what + " Domain-0");
        }
        Domain d = domain(domSpec);
        synchronized (this) {
            if (d.guest == null || d.preservedReason != null || d.dying) {
                throw new DomainException(DomainException.Kind.INVALID, "domain " + d.domid + " (" + d.name + ") is not running");
            }
        }
        return d;
    }

    @Override
    public void rename(String domSpec, String newName) throws DomainException {
        if (isDomain0(domSpec)) {
            throw new DomainException(DomainException.Kind.INVALID, "cannot rename Domain-0");
        }
        checkName(newName);
        Domain d = domain(domSpec);
        String old;
        synchronized (this) {
            if (!d.name.equals(newName) && nameTaken(newName)) {
                throw new DomainException(DomainException.Kind.EXISTS, "domain with name \"" + newName + "\" already exists");
            }
            old = d.name;
            d.name = newName;
            d.console.rename(newName);
            store.rename(d.domid, d.uuid, newName);
        }
        d.log("renamed from " + old);
    }

    @Override
    public ConsoleAttachment console(String domSpec) throws DomainException {
        if (isDomain0(domSpec)) {
            throw new DomainException(DomainException.Kind.UNSUPPORTED, "Domain-0's console is the host's own");
        }
        Domain d = domain(domSpec);
        return d.console.attach((b, off, len) -> {
            Guest g;
            synchronized (this) {
                g = d.guest;
            }
            if (g != null) {
                g.consoleInput(b, off, len);
            }
        });
    }

    @Override
    public List<VcpuInfo> vcpus(String domSpec) throws DomainException {
        List<Domain> which = new ArrayList<>();
        List<VcpuInfo> out = new ArrayList<>();
        if (domSpec == null) {
            synchronized (this) {
                which.addAll(domains.values());
            }
        } else if (!isDomain0(domSpec)) {
            which.add(domain(domSpec));
        }
        CpuList all = CpuList.all();
        for (Domain d : which) {
            List<Integer> tids;
            boolean paused;
            synchronized (this) {
                tids = d.guest == null || d.preservedReason != null ? List.of() : d.guest.vcpuThreads();
                paused = d.paused;
            }
            for (int i = 0; i < d.config.vcpus().max(); i++) {
                if (i >= tids.size()) {
                    out.add(new VcpuInfo(d.domid, d.name, i, -1, '-', 0, all, all));
                    continue;
                }
                ThreadStat s = ThreadStat.of(tids.get(i));
                CpuList hard = all;
                try {
                    if (tids.get(i) > 0) {
                        hard = CpuList.of(LibC.getAffinity(tids.get(i)), host.hostCpus());
                    }
                } catch (SysException e) {
                    // The thread has just ended: report the default.
                }
                char state = paused ? 'p' : s.state() == 'R' ? 'r' : 'b';
                out.add(new VcpuInfo(d.domid, d.name, i, s.cpu(), state, s.cpuSeconds(), hard, all));
            }
        }
        return out;
    }

    @Override
    public void pinVcpu(String domSpec, int vcpu, CpuList hard, CpuList soft) throws DomainException {
        Domain d = running(domSpec, "pin the vCPUs of");
        List<Integer> tids;
        synchronized (this) {
            tids = d.guest.vcpuThreads();
        }
        BitSet cpus = hard.resolve(host.hostCpus(), DomainManager::nodeCpus);
        if (cpus.isEmpty()) {
            throw new DomainException(DomainException.Kind.INVALID, "CPU list " + hard + " names no CPU of this host (0-"
                    + (host.hostCpus() - 1) + ")");
        }
        List<Integer> which = new ArrayList<>();
        if (vcpu < 0) {
            which.addAll(tids);
        } else if (vcpu < tids.size()) {
            which.add(tids.get(vcpu));
        } else {
            throw new DomainException(DomainException.Kind.INVALID, "domain " + d.domid + " has no vCPU " + vcpu
                    + " (it has " + tids.size() + ")");
        }
        for (int tid : which) {
            try {
                LibC.setAffinity(tid, cpus);
            } catch (SysException e) {
                throw new DomainException(DomainException.Kind.FAILED, "cannot pin vCPU thread " + tid + ": " + e.getMessage(), e);
            }
        }
        d.log("vCPU " + (vcpu < 0 ? "all" : Integer.toString(vcpu)) + " pinned to " + hard);
    }

    /** Smallest memory target xl mem-set accepts: what a small guest needs to keep running. */
    static final long MIN_TARGET_MIB = 16;

    @Override
    public void setMemory(String domSpec, long targetMiB) throws DomainException {
        Domain d = running(domSpec, "set the memory of");
        long boot = d.config.memory().targetMiB();
        if (targetMiB < MIN_TARGET_MIB) {
            throw new DomainException(DomainException.Kind.INVALID, "memory target " + targetMiB + " MiB is below the "
                    + MIN_TARGET_MIB + " MiB a domain keeps");
        }
        if (targetMiB > boot) {
            throw new DomainException(DomainException.Kind.UNSUPPORTED, "domain " + d.domid + " was built with " + boot
                    + " MiB; the balloon can only give memory back below that (memory hot-plug is not supported)");
        }
        org.jxen.vmm.virtio.balloon.VirtioBalloonDevice b = d.balloon;
        if (b == null) {
            throw new DomainException(DomainException.Kind.FAILED, "domain " + d.domid + " has no balloon device yet");
        }
        b.setTargetPages((int) ((boot - targetMiB) << 8));
        d.targetMiB = targetMiB;
        store.setMemoryTarget(d.domid, targetMiB << 10);
        d.log("memory target " + targetMiB + " MiB (balloon " + ((boot - targetMiB) << 8) + " pages)");
    }

    @Override
    public void setVcpus(String domSpec, int count) throws DomainException {
        Domain d = running(domSpec, "set the vCPUs of");
        if (count != d.config.vcpus().count()) {
            throw new DomainException(DomainException.Kind.UNSUPPORTED, "vCPU hot-plug is not supported yet: domain "
                    + d.domid + " keeps its " + d.config.vcpus().count() + " vCPU(s)");
        }
    }

    @Override
    public List<DeviceInfo> devices(String domSpec, String kind) throws DomainException {
        Domain d = domain(domSpec);
        List<DeviceInfo> out = new ArrayList<>();
        String base = "/local/domain/0/backend/" + kind + "/" + d.domid + "/";
        if (kind.equals("vbd")) {
            for (org.jxen.toolstack.config.DiskSpec disk : d.config.disks()) {
                int devid = VirtualDevice.number(disk.vdev());
                if (devid >= 0) {
                    out.add(new DeviceInfo(devid, base + devid, "", XenstoreLayout.XENBUS_STATE_CONNECTED));
                }
            }
        } else if (kind.equals("vif")) {
            List<org.jxen.toolstack.config.VifSpec> vifs = d.config.vifs();
            for (int i = 0; i < vifs.size(); i++) {
                int devid = vifs.get(i).devid().orElse(i);
                org.jxen.net.MacAddress mac = d.macs.get(devid);
                out.add(new DeviceInfo(devid, base + devid, mac == null ? "" : mac.toString(),
                        XenstoreLayout.XENBUS_STATE_CONNECTED));
            }
        } else {
            throw new DomainException(DomainException.Kind.INVALID, "device kind " + kind + " (expected: vbd or vif)");
        }
        return out;
    }

    @Override
    public Map<String, String> hostInfo() {
        long used;
        synchronized (this) {
            used = domains.values().stream().mapToLong(d -> d.targetMiB).sum();
        }
        return HostInfo.xlInfo(host, Math.max(0, (host.totalMemoryBytes() >> 20) - used));
    }

    @Override
    public String dmesg(boolean clear) {
        return events.read(clear);
    }

    /** Destroys every domain (jxend is stopping). */
    @Override
    public void close() {
        List<Domain> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(domains.values());
        }
        for (Domain d : all) {
            try {
                destroy(Integer.toString(d.domid));
            } catch (DomainException e) {
                LOG.log(System.Logger.Level.WARNING, "stopping: " + e.getMessage());
            }
        }
        if (factory instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "stopping: " + e.getMessage());
            }
        }
    }
}
