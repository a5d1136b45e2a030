package org.jxen.cli.xl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.jxen.toolstack.config.ConfigException;
import org.jxen.toolstack.config.CpuList;
import org.jxen.toolstack.config.DomainConfigSpec;
import org.jxen.toolstack.config.Location;
import org.jxen.toolstack.config.XlConfig;
import org.jxen.toolstack.domain.ConsoleAttachment;
import org.jxen.toolstack.domain.CreateOptions;
import org.jxen.toolstack.domain.DomainException;
import org.jxen.toolstack.domain.DomainInfo;

/** The commands that act on domains: Xen's {@code xl_vmcontrol.c}, {@code xl_console.c}, {@code xl_vcpu.c}. */
final class VmControl {
    /** Ctrl-]: leaves the console, as xenconsole's escape character. */
    static final int ESCAPE = 0x1d;

    private VmControl() {}

    static int create(XlContext ctx, Getopt.Parsed a) throws Exception {
        String file = a.operands().get(0);
        List<String> overrides = a.operands().subList(1, a.operands().size());
        boolean quiet = a.has('q');
        if (!quiet) {
            ctx.err.println("Parsing config from " + file);
        }
        DomainConfigSpec spec;
        try {
            spec = read(ctx, file, overrides);
        } catch (ConfigException e) {
            e.report().forEach(ctx.err::println);
            return 1;
        }
        if (a.has('n') || ctx.dryRun) {
            ctx.out.println(ConfigJson.print(ConfigJson.domain(null, spec)));
            return 0;
        }
        for (String w : ctx.domains.warnings(spec)) {
            ctx.err.println("WARNING: " + w);
        }
        DomainInfo d = ctx.domains.create(spec, new CreateOptions(a.has('p'), Optional.of(ctx.clientPath(file))));
        if (ctx.verbose) {
            ctx.err.println("Domain " + d.domid() + " (" + d.name() + ") created");
        }
        if (a.has('c')) {
            return attach(ctx, d.name());
        }
        if (a.has('F')) {
            return waitGone(ctx, d.domid(), Long.MAX_VALUE) ? 0 : 1;
        }
        return 0;
    }

    /** The config file (relative to the client's directory) with {@code key=value} lines added, as xl's extra_config. */
    static DomainConfigSpec read(XlContext ctx, String file, List<String> overrides) throws ConfigException {
        Path p = ctx.clientPath(file);
        byte[] data;
        try (InputStream in = Files.newInputStream(p)) {
            data = in.readNBytes(XlConfig.MAX_FILE_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new ConfigException(Location.of(file), null, "Failed to read config file: No such file or directory");
        } catch (IOException e) {
            throw new ConfigException(Location.of(file), null, "Failed to read config file: " + e.getMessage());
        }
        StringBuilder text = new StringBuilder(new String(data, StandardCharsets.UTF_8));
        for (String o : overrides) {
            text.append('\n').append(o);
        }
        text.append('\n');
        return DomainConfigSpec.from(XlConfig.parse(file, text.toString())).resolvedAgainst(ctx.invocation.cwd());
    }

    static int destroy(XlContext ctx, Getopt.Parsed a) throws Exception {
        ctx.domains.destroy(a.operands().get(0));
        return 0;
    }

    static int shutdown(XlContext ctx, Getopt.Parsed a) throws Exception {
        return shutdownOrReboot(ctx, a, false);
    }

    static int reboot(XlContext ctx, Getopt.Parsed a) throws Exception {
        return shutdownOrReboot(ctx, a, true);
    }

    private static int shutdownOrReboot(XlContext ctx, Getopt.Parsed a, boolean reboot) throws Exception {
        List<DomainInfo> targets = new ArrayList<>();
        if (a.has('a')) {
            ctx.domains.list().stream().filter(d -> d.domid() != 0).forEach(targets::add);
        } else if (a.operands().size() == 1) {
            targets.add(ctx.domains.find(a.operands().get(0)));
        } else {
            Xl.help(ctx.out, reboot ? "reboot" : "shutdown");
            return Xl.EXIT_USAGE;
        }
        List<CompletableFuture<Void>> gone = new ArrayList<>();
        int status = 0;
        for (DomainInfo d : targets) {
            ctx.err.println((reboot ? "Rebooting" : "Shutting down") + " domain " + d.domid());
            try {
                CompletableFuture<Void> g = ctx.domains.gone(d.domid());
                ctx.domains.shutdown(Integer.toString(d.domid()), reboot, a.has('F'));
                gone.add(g);
            } catch (DomainException e) {
                ctx.err.println(e.getMessage());
                status = 1;
            }
        }
        if (a.has('w') && !gone.isEmpty()) {
            ctx.err.println("Waiting for " + gone.size() + " domains");
            if (!waitAll(ctx, gone)) {
                return 1;
            }
            ctx.err.println("All domains " + (reboot ? "have been rebooted" : "have been shut down"));
        }
        return status;
    }

    private static boolean waitAll(XlContext ctx, List<CompletableFuture<Void>> futures) throws InterruptedException {
        CompletableFuture<Void> all = CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
        CompletableFuture.anyOf(all, ctx.invocation.cancelled()).join();
        return all.isDone();
    }

    private static boolean waitGone(XlContext ctx, int domid, long seconds) throws InterruptedException {
        CompletableFuture<Void> g = ctx.domains.gone(domid);
        try {
            CompletableFuture.anyOf(g, ctx.invocation.cancelled()).get(seconds, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        }
        return g.isDone();
    }

    static int pause(XlContext ctx, Getopt.Parsed a) throws Exception {
        ctx.domains.pause(a.operands().get(0));
        return 0;
    }

    static int unpause(XlContext ctx, Getopt.Parsed a) throws Exception {
        ctx.domains.unpause(a.operands().get(0));
        return 0;
    }

    static int rename(XlContext ctx, Getopt.Parsed a) throws Exception {
        if (ctx.dryRun) {
            ctx.domains.find(a.operands().get(0));
            return 0;
        }
        ctx.domains.rename(a.operands().get(0), a.operands().get(1));
        return 0;
    }

    static int console(XlContext ctx, Getopt.Parsed a) throws Exception {
        String type = a.has('t') ? a.value('t') : "serial";
        if (!type.equals("serial") && !type.equals("pv")) {
            ctx.err.println("error: unknown console type: " + type + " (expected: pv or serial)");
            return 1;
        }
        if (a.has('n') && !a.value('n').equals("0")) {
            ctx.err.println("error: domain has no console " + a.value('n') + " (only console 0 exists)");
            return 1;
        }
        return attach(ctx, a.operands().get(0));
    }

    /**
     * Connects the client's terminal to the domain's console until Ctrl-] is typed, the input
     * ends, the domain goes, or the client goes away. The terminal is in raw mode meanwhile, and
     * restored afterwards whatever happened.
     */
    static int attach(XlContext ctx, String domSpec) throws Exception {
        ConsoleAttachment console = ctx.domains.console(domSpec);
        ctx.out.flush();
        OutputStream out = ctx.invocation.stdio().out();
        try (console; AutoCloseable raw = ctx.invocation.stdio().rawMode()) {
            Thread outputPump = Thread.ofVirtual().name("xl-console-out").start(() -> {
                byte[] buf = new byte[8192];
                try {
                    for (int n; (n = console.output().read(buf)) > 0; ) {
                        out.write(buf, 0, n);
                    }
                } catch (IOException e) {
                    // The client or the console went away.
                } finally {
                    // The domain is gone (or detached): stop reading the keyboard too.
                    ctx.invocation.stdio().endInput();
                }
            });
            byte[] buf = new byte[4096];
            InputStream in = ctx.invocation.stdio().in();
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    int esc = indexOf(buf, n, ESCAPE);
                    if (esc >= 0) {
                        console.input().write(buf, 0, esc);
                        break;
                    }
                    console.input().write(buf, 0, n);
                }
            } catch (IOException e) {
                // The client went away, or the guest's input is gone.
            }
            console.close();
            outputPump.join(TimeUnit.SECONDS.toMillis(10));
        }
        return 0;
    }

    private static int indexOf(byte[] b, int n, int value) {
        for (int i = 0; i < n; i++) {
            if ((b[i] & 0xff) == value) {
                return i;
            }
        }
        return -1;
    }

    static int vcpuPin(XlContext ctx, Getopt.Parsed a) throws Exception {
        String dom = a.operands().get(0);
        String which = a.operands().get(1);
        int vcpu;
        if (which.equals("all")) {
            vcpu = -1;
        } else {
            try {
                vcpu = Integer.parseInt(which);
            } catch (NumberFormatException e) {
                ctx.err.println("Invalid vcpu number: " + which);
                return 1;
            }
        }
        CpuList hard;
        CpuList soft = null;
        try {
            hard = cpus(a.operands().get(2));
            if (a.operands().size() > 3 && !a.operands().get(3).equals("-")) {
                soft = cpus(a.operands().get(3));
            }
        } catch (ConfigException e) {
            ctx.err.println(e.getMessage());
            return 1;
        }
        if (ctx.dryRun) {
            ctx.domains.find(dom);
            return 0;
        }
        ctx.domains.pinVcpu(dom, vcpu, hard, soft);
        return 0;
    }

    private static CpuList cpus(String text) throws ConfigException {
        return text.equals("-") || text.equals("all") ? CpuList.all() : CpuList.parse(Location.of("command line"), "cpus", text);
    }

    static int vcpuSet(XlContext ctx, Getopt.Parsed a) throws Exception {
        int n;
        try {
            n = Integer.parseInt(a.operands().get(1));
        } catch (NumberFormatException e) {
            ctx.err.println("Invalid max vcpus " + a.operands().get(1));
            return 1;
        }
        if (ctx.dryRun) {
            ctx.domains.find(a.operands().get(0));
            return 0;
        }
        ctx.domains.setVcpus(a.operands().get(0), n);
        return 0;
    }

    /** {@code xl mem-set DOMAIN SIZE}: SIZE in MiB, or with a b, k, m, g or t suffix (xl's parse_mem_size_kb). */
    static int memSet(XlContext ctx, Getopt.Parsed a) throws Exception {
        String text = a.operands().get(1);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,15})([bkmgtBKMGT]?)").matcher(text);
        if (!m.matches()) {
            ctx.err.println("invalid memory size: " + text);
            return 1;
        }
        long n = Long.parseLong(m.group(1));
        long kib = switch (m.group(2).toLowerCase(java.util.Locale.ROOT)) {
            case "b" -> n / 1024;
            case "k" -> n;
            case "g" -> n << 20;
            case "t" -> n << 30;
            default -> n << 10;
        };
        if (ctx.dryRun) {
            ctx.domains.find(a.operands().get(0));
            return 0;
        }
        ctx.domains.setMemory(a.operands().get(0), kib >> 10);
        return 0;
    }

    static int memNotYet(XlContext ctx, Getopt.Parsed a) throws Exception {
        ctx.domains.find(a.operands().get(0));
        ctx.err.println("not yet: a domain's maximum is the memory it was built with (memory hot-plug is not supported); "
                + "xl mem-set lowers its target below that");
        return 1;
    }
}
