package org.jxen.cli.xl;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jxen.toolstack.domain.DomainException;
import org.jxen.toolstack.domain.DomainInfo;
import org.jxen.toolstack.domain.DomainState;
import org.jxen.toolstack.domain.VcpuInfo;

/** The commands that report: Xen's {@code xl_info.c} and {@code xl_vcpu.c} listings, in their formats. */
final class Info {
    /** Xen's shutdown reason letters, indexed by libxl_shutdown_reason (xl_info.c). */
    static final String REASON_LETTERS = "-rscwS";
    static final List<String> REASONS = List.of("poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset");

    private Info() {}

    static int list(XlContext ctx, Getopt.Parsed a) throws Exception {
        List<DomainInfo> rows;
        if (a.operands().isEmpty()) {
            rows = ctx.domains.list();
        } else if (a.operands().size() == 1) {
            rows = List.of(ctx.domains.find(a.operands().get(0)));
        } else {
            Xl.help(ctx.out, "list");
            return 1;
        }
        if (a.has('l')) {
            List<ObjectNode> out = new ArrayList<>();
            for (DomainInfo d : rows) {
                d.config().ifPresent(c -> out.add(ConfigJson.domain(d.domid(), c)));
            }
            ctx.out.println(ConfigJson.list(out));
            return 0;
        }
        boolean verbose = a.has('v');
        ctx.out.print("Name                                        ID   Mem VCPUs\tState\tTime(s)");
        if (verbose) {
            ctx.out.print("   UUID                            Reason-Code\tSecurity Label");
        }
        ctx.out.println();
        for (DomainInfo d : rows) {
            ctx.out.printf("%-40s %5d %5d %5d     %s  %8.1f", d.name(), d.domid(), d.memoryMiB(), d.vcpus(), states(d),
                    d.cpuSeconds());
            if (verbose) {
                ctx.out.print(" " + d.uuid());
                int reason = d.shutdownReason().map(REASONS::indexOf).orElse(-1);
                ctx.out.print(reason >= 0 ? String.format(" %8x", reason) : String.format(" %8s", "-"));
                ctx.out.printf(" %16s", "-");
            }
            ctx.out.println();
        }
        return 0;
    }

    /** The six state columns as xl prints them: r b p s, the shutdown reason's letter, d. */
    static String states(DomainInfo d) {
        char[] c = DomainState.letters(d.states()).toCharArray();
        int reason = d.shutdownReason().map(REASONS::indexOf).orElse(-1);
        c[4] = reason >= 0 && d.states().contains(DomainState.SHUTDOWN) ? REASON_LETTERS.charAt(reason) : '-';
        return new String(c);
    }

    static int domid(XlContext ctx, Getopt.Parsed a) {
        String name = a.operands().get(0);
        for (DomainInfo d : ctx.domains.list()) {
            if (d.name().equals(name)) {
                ctx.out.println(d.domid());
                return 0;
            }
        }
        ctx.err.println("Can't get domid of domain name '" + name + "', maybe this domain does not exist.");
        return 1;
    }

    static int domname(XlContext ctx, Getopt.Parsed a) {
        String id = a.operands().get(0);
        if (!id.matches("\\d{1,9}")) {
            ctx.err.println("Invalid domain id.\n");
            return 1;
        }
        for (DomainInfo d : ctx.domains.list()) {
            if (d.domid() == Integer.parseInt(id)) {
                ctx.out.println(d.name());
                return 0;
            }
        }
        ctx.err.println("Can't get domain name of domain id '" + Integer.parseInt(id) + "', maybe this domain does not exist.");
        return 1;
    }

    static int uptime(XlContext ctx, Getopt.Parsed a) throws DomainException {
        boolean shortMode = a.has('s');
        List<DomainInfo> rows = new ArrayList<>();
        if (a.operands().isEmpty()) {
            rows.addAll(ctx.domains.list());
        } else {
            for (String d : a.operands()) {
                rows.add(ctx.domains.find(d));
            }
        }
        Instant now = Instant.now();
        if (!shortMode) {
            ctx.out.printf("%-33s %4s %s%n", "Name", "ID", "Uptime");
        }
        String clock = LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss"));
        for (DomainInfo d : rows) {
            long up = Math.max(0, Duration.between(d.created(), now).toSeconds());
            if (shortMode) {
                ctx.out.printf(" %s up %s, %s (%d)%n", clock, uptime(up, true), d.name(), d.domid());
            } else {
                ctx.out.printf("%-33s %4d %s%n", d.name(), d.domid(), uptime(up, false));
            }
        }
        return 0;
    }

    /** xl's uptime_to_string: "1 day,  2:03:04", "3 days, 1:02" in short mode. */
    static String uptime(long seconds, boolean shortMode) {
        long day = seconds / 86400;
        long hour = seconds % 86400 / 3600;
        long min = seconds % 3600 / 60;
        long sec = seconds % 60;
        String days = day > 1 ? day + " days, " : day == 1 ? "1 day, " : "";
        return shortMode ? String.format("%s%2d:%02d", days, hour, min) : String.format("%s%2d:%02d:%02d", days, hour, min, sec);
    }

    static int info(XlContext ctx, Getopt.Parsed a) {
        Map<String, String> info = ctx.domains.hostInfo();
        String only = a.operands().isEmpty() ? null : a.operands().get(0);
        for (Map.Entry<String, String> e : info.entrySet()) {
            if (only == null || only.equals(e.getKey())) {
                ctx.out.printf("%-23s: %s%n", e.getKey(), e.getValue());
            }
        }
        return 0;
    }

    static int dmesg(XlContext ctx, Getopt.Parsed a) {
        ctx.out.print(ctx.domains.dmesg(a.has('c')));
        return 0;
    }

    static int top(XlContext ctx, Getopt.Parsed a) throws Exception {
        int iterations;
        double delay;
        try {
            iterations = a.has('i') ? Integer.parseInt(a.value('i')) : Integer.MAX_VALUE;
            delay = a.has('d') ? Double.parseDouble(a.value('d')) : 3;
        } catch (NumberFormatException e) {
            ctx.err.println("xl top: -i takes a count and -d seconds: " + e.getMessage());
            return Xl.EXIT_USAGE;
        }
        if (iterations < 1 || !(delay > 0) || delay > 3600) {
            ctx.err.println("xl top: -i must be at least 1 and -d between 0 and 3600 seconds");
            return Xl.EXIT_USAGE;
        }
        boolean batch = a.has('b') || !ctx.invocation.stdio().stdinIsTerminal();
        return batch ? topBatch(ctx, iterations, delay) : topScreen(ctx, iterations, delay);
    }

    private static final String TOP_HEADER = "      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS "
            + "NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT SSID";

    /** One screen of xentop's table; {@code lastCpu} carries each domain's CPU time between screens. */
    private static void topTable(XlContext ctx, Map<Integer, Double> lastCpu, double wall, String eol) {
        long total = Long.parseLong(ctx.domains.hostInfo().getOrDefault("total_memory", "0")) << 10;
        ctx.out.print(TOP_HEADER + eol);
        for (DomainInfo d : ctx.domains.list()) {
            Double before = lastCpu.put(d.domid(), d.cpuSeconds());
            double pct = before == null || wall <= 0 ? 0 : 100 * (d.cpuSeconds() - before) / wall;
            long mem = d.memoryMiB() << 10;
            long max = d.maxMemoryMiB() << 10;
            ctx.out.printf("%10.10s %6s %10d %6.1f %10d %6.1f %10d %9.1f %5d %4d %8d %8d %4d %8d %8d %8d %10d %10d %4d" + eol,
                    d.name(), states(d), (long) d.cpuSeconds(), pct, mem, total == 0 ? 0 : 100.0 * mem / total, max,
                    total == 0 ? 0 : 100.0 * max / total, d.vcpus(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
    }

    private static int topBatch(XlContext ctx, int iterations, double delay) throws InterruptedException {
        Map<Integer, Double> lastCpu = new HashMap<>();
        long last = System.nanoTime();
        for (int i = 0; i < iterations && !ctx.cancelled(); i++) {
            if (i > 0) {
                // The interval the user asked for between screens, not a synchronisation.
                Thread.sleep((long) (delay * 1000));
            }
            long now = System.nanoTime();
            topTable(ctx, lastCpu, (now - last) / 1e9, "%n");
            last = now;
            ctx.out.flush();
        }
        return 0;
    }

    /** xentop's screen: redrawn every {@code delay} seconds; q (or Ctrl-C, Ctrl-]) leaves. */
    private static int topScreen(XlContext ctx, int iterations, double delay) throws Exception {
        java.util.concurrent.BlockingQueue<Integer> keys = new java.util.concurrent.LinkedBlockingQueue<>();
        Thread reader = Thread.ofVirtual().name("xl-top-keys").start(() -> {
            try {
                for (int k; (k = ctx.invocation.stdio().in().read()) >= 0; ) {
                    keys.add(k);
                }
            } catch (java.io.IOException e) {
                // The client went away.
            }
            keys.add(-1);
        });
        Map<Integer, Double> lastCpu = new HashMap<>();
        long last = System.nanoTime();
        try (AutoCloseable raw = ctx.invocation.stdio().rawMode()) {
            for (int i = 0; i < iterations && !ctx.cancelled(); i++) {
                long now = System.nanoTime();
                ctx.out.print("\033[H\033[2J");
                ctx.out.printf("xl top - %s   jxen %s\r%n", LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")),
                        ctx.domains.hostInfo().getOrDefault("xen_version", ""));
                ctx.out.printf("%d domains\r%n\r%n", ctx.domains.list().size());
                topTable(ctx, lastCpu, (now - last) / 1e9, "\r%n");
                ctx.out.print("\r\nq Quit   (batch mode: xl top -b)");
                ctx.out.flush();
                last = now;
                Integer k = keys.poll((long) (delay * 1000), java.util.concurrent.TimeUnit.MILLISECONDS);
                if (k != null && (k < 0 || k == 'q' || k == 'Q' || k == 3 || k == VmControl.ESCAPE)) {
                    break;
                }
            }
            ctx.out.print("\r\n");
        } finally {
            ctx.invocation.stdio().endInput();
            reader.join(5000);
        }
        return 0;
    }

    /**
     * {@code xl block-list}: Xen's columns. jxen's disks are virtio: no event channel or ring
     * reference, shown as -1 as Xen shows an unconnected one.
     */
    static int blockList(XlContext ctx, Getopt.Parsed a) throws DomainException {
        ctx.out.printf("%-5s %-3s %-6s %-5s %-6s %-8s %-30s%n", "Vdev", "BE", "handle", "state", "evt-ch", "ring-ref", "BE-path");
        for (String dom : a.operands()) {
            for (org.jxen.toolstack.domain.Domains.DeviceInfo d : ctx.domains.devices(dom, "vbd")) {
                ctx.out.printf("%-5d %-3d %-6d %-5d %-6d %-8d %-30s%n", d.devid(), 0, d.devid(), d.state(), -1, -1, d.backendPath());
            }
        }
        return 0;
    }

    /** {@code xl network-list}: Xen's columns. */
    static int networkList(XlContext ctx, Getopt.Parsed a) throws DomainException {
        ctx.out.printf("%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s%n", "Idx", "BE", "Mac Addr.", "handle", "state", "evt-ch",
                "tx-", "rx-ring-ref", "BE-path");
        for (String dom : a.operands()) {
            for (org.jxen.toolstack.domain.Domains.DeviceInfo d : ctx.domains.devices(dom, "vif")) {
                ctx.out.printf("%-3d %-2d %-17s %-6d %-5d %-6d %5d/%-11d %-30s%n", d.devid(), 0, d.mac(), d.devid(), d.state(), -1,
                        -1, -1, d.backendPath());
            }
        }
        return 0;
    }

    static int vcpuList(XlContext ctx, Getopt.Parsed a) throws DomainException {
        List<VcpuInfo> rows = new ArrayList<>();
        if (a.operands().isEmpty()) {
            rows.addAll(ctx.domains.vcpus(null));
        } else {
            for (String d : a.operands()) {
                rows.addAll(ctx.domains.vcpus(d));
            }
        }
        ctx.out.printf("%-32s %5s %5s %5s %5s %9s %s%n", "Name", "ID", "VCPU", "CPU", "State", "Time(s)",
                "Affinity (Hard / Soft)");
        for (VcpuInfo v : rows) {
            String state = switch (v.state()) {
                case 'r' -> "r--";
                case 'b' -> "-b-";
                case 'p' -> "--p";
                default -> "---";
            };
            ctx.out.printf("%-32s %5d %5d %5s %5s %9.1f %s / %s%n", v.name(), v.domid(), v.vcpu(),
                    v.cpu() < 0 ? "-" : Integer.toString(v.cpu()), state, v.cpuSeconds(), v.hardAffinity(), v.softAffinity());
        }
        return 0;
    }
}
