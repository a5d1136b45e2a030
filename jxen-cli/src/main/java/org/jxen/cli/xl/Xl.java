package org.jxen.cli.xl;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.jxen.cli.xl.XlCommand.Completion;
import org.jxen.cli.xl.XlCommand.Opt;
import org.jxen.toolstack.daemon.CommandRunner;
import org.jxen.toolstack.daemon.Invocation;
import org.jxen.toolstack.domain.DomainException;
import org.jxen.toolstack.domain.Domains;

/**
 * {@code xl} inside jxend: the command table (Xen's {@code xl_cmdtable.c} is the model), xl's
 * global options {@code -v}, {@code -N}, {@code -f}, command lookup by name or unique prefix,
 * and Xen's exit statuses: 0, 1 (EXIT_FAILURE) for a failed command, 2 for a usage error.
 * Runs on the connection thread of the launcher that asked, on the client's own descriptors.
 */
public final class Xl implements CommandRunner {
    static final int EXIT_USAGE = 2;

    private final Domains domains;

    public Xl(Domains domains) {
        this.domains = domains;
    }

    /** The table: every command jxen's xl knows, in the order {@code xl help} lists them. */
    public static final List<XlCommand> COMMANDS = List.of(
            new XlCommand("create", VmControl::create, true, true, "Create a domain from config file <filename>",
                    "<ConfigFile> [options] [vars]", List.of(
                            new Opt("-h", "Print this help."),
                            new Opt("-p", "Leave the domain paused after it is created."),
                            new Opt("-c", "Connect to the console after the domain is created."),
                            new Opt("-q, --quiet", "Quiet: no \"Parsing config from\" line."),
                            new Opt("-n, --dryrun", "Dry run: print the configuration as JSON and create nothing."),
                            new Opt("-F", "Run in the foreground until the domain is gone."),
                            new Opt("-e", "Do not wait in the background for the death of the domain."),
                            new Opt("key=value", "Set a config key, as a line added to the end of the file.")),
                    "pcqnFe", 1, Completion.CONFIG_FILE),
            new XlCommand("list", Info::list, false, false, "List information about all/some domains", "[options] [Domain]",
                    List.of(new Opt("-l, --long", "Output all the configuration of each domain, as JSON."),
                            new Opt("-v, --verbose", "Output the UUID, shutdown reason and security label too.")),
                    "lv", 0, Completion.DOMAIN),
            new XlCommand("destroy", VmControl::destroy, false, true, "Terminate a domain immediately", "<Domain>",
                    List.of(), "", 1, Completion.DOMAIN),
            new XlCommand("shutdown", VmControl::shutdown, false, true, "Issue a shutdown signal to a domain",
                    "[options] <-a|Domain>", List.of(
                            new Opt("-a, --all", "Shut down all guest domains."),
                            new Opt("-w, --wait", "Wait until the domain(s) are gone."),
                            new Opt("-F", "Fall back to the ACPI power event for a guest without PV drivers.")),
                    "awF", 0, Completion.DOMAIN),
            new XlCommand("reboot", VmControl::reboot, false, true, "Issue a reboot signal to a domain",
                    "[options] <-a|Domain>", List.of(
                            new Opt("-a, --all", "Reboot all guest domains."),
                            new Opt("-w, --wait", "Wait until the domain(s) have rebooted (gone, for on_reboot = destroy)."),
                            new Opt("-F", "Fall back to the ACPI reset event for a guest without PV drivers.")),
                    "awF", 0, Completion.DOMAIN),
            new XlCommand("pause", VmControl::pause, false, true, "Pause execution of a domain", "<Domain>", List.of(), "", 1,
                    Completion.DOMAIN),
            new XlCommand("unpause", VmControl::unpause, false, true, "Unpause a paused domain", "<Domain>", List.of(), "", 1,
                    Completion.DOMAIN),
            new XlCommand("console", VmControl::console, false, false, "Attach to domain's console",
                    "[options] <Domain>", List.of(
                            new Opt("-t <type>", "Console type: serial (the guest's COM1) or pv (the same console here)."),
                            new Opt("-n <number>", "Console number; only 0 exists.")),
                    "t:n:", 1, Completion.DOMAIN),
            new XlCommand("rename", VmControl::rename, true, true, "Rename a domain", "<Domain> <NewDomainName>", List.of(),
                    "", 2, Completion.DOMAIN),
            new XlCommand("domid", Info::domid, false, false, "Convert a domain name to domain id", "<DomainName>", List.of(),
                    "", 1, Completion.DOMAIN),
            new XlCommand("domname", Info::domname, false, false, "Convert a domain id to domain name", "<DomainId>",
                    List.of(), "", 1, Completion.NONE),
            new XlCommand("uptime", Info::uptime, false, false, "Print uptime for all/some domains", "[-s] [Domain]",
                    List.of(new Opt("-s", "Short mode: uptime as 'up 2 days, 3:04'.")), "s", 0, Completion.DOMAIN),
            new XlCommand("info", Info::info, false, false, "Get information about Xen host", "[-n]",
                    List.of(new Opt("-n, --numa", "List host NUMA topology information (not yet: one node).")), "n", 0,
                    Completion.NONE),
            new XlCommand("dmesg", Info::dmesg, false, false, "Read and/or clear dmesg buffer", "[-c]",
                    List.of(new Opt("-c", "Clear the buffer after reading it.")), "c", 0, Completion.NONE),
            new XlCommand("top", Info::top, false, false, "Monitor a host and the domains in real time",
                    "[-b] [-i ITERATIONS] [-d SECONDS]", List.of(
                            new Opt("-b", "Batch mode: plain lines, as for a pipe (the default when standard input is not a terminal)."),
                            new Opt("-i <n>", "Print n screens, then exit."),
                            new Opt("-d <s>", "Seconds between screens (default 3).")),
                    "bi:d:", 0, Completion.NONE),
            new XlCommand("vcpu-list", Info::vcpuList, false, false, "List the VCPUs for all/some domains", "[Domain, ...]",
                    List.of(), "", 0, Completion.DOMAIN),
            new XlCommand("vcpu-pin", VmControl::vcpuPin, true, true, "Set which CPUs a VCPU can use",
                    "[option] <Domain> <VCPU|all> <Hard affinity|-|all> <Soft affinity|-|all>",
                    List.of(new Opt("-f, --force", "Undo an affinity set from the config (no effect here).")), "f", 3,
                    Completion.DOMAIN),
            new XlCommand("vcpu-set", VmControl::vcpuSet, true, true, "Set the number of active VCPUs allowed for the domain",
                    "<Domain> <vCPUs>", List.of(), "", 2, Completion.DOMAIN),
            new XlCommand("block-list", Info::blockList, false, false, "List virtual block devices for a domain", "<Domain(s)>",
                    List.of(), "", 1, Completion.DOMAIN),
            new XlCommand("network-list", Info::networkList, false, false, "List virtual network interfaces for a domain",
                    "<Domain(s)>", List.of(), "", 1, Completion.DOMAIN),
            new XlCommand("mem-set", VmControl::memSet, true, true, "Set the current memory usage for a domain",
                    "<Domain> <MemMB['b'[bytes]|'k'[KB]|'m'[MB]|'g'[GB]|'t'[TB]]>", List.of(), "", 2, Completion.DOMAIN),
            new XlCommand("mem-max", VmControl::memNotYet, true, true, "Set the maximum amount reservation for a domain",
                    "<Domain> <MemMB['b'[bytes]|'k'[KB]|'m'[MB]|'g'[GB]|'t'[TB]]>", List.of(), "", 2, Completion.DOMAIN),
            new XlCommand("help", Xl::helpCommand, false, false, "Print this help", "[command]", List.of(), "", 0,
                    Completion.COMMAND));

    @Override
    public int run(Invocation inv) throws InterruptedException {
        List<String> argv = inv.argv();
        boolean verbose = false;
        boolean dryRun = false;
        boolean force = false;
        int i = 0;
        PrintStream err = new PrintStream(inv.stdio().err(), true, StandardCharsets.UTF_8);
        for (; i < argv.size() && argv.get(i).startsWith("-") && argv.get(i).length() > 1; i++) {
            String a = argv.get(i);
            if (a.equals("--")) {
                i++;
                break;
            }
            for (char c : a.substring(1).toCharArray()) {
                switch (c) {
                    case 'v' -> verbose = true;
                    case 'N' -> dryRun = true;
                    case 'f' -> force = true;
                    case 't', 'T' -> { }
                    case 'h' -> {
                        XlContext ctx = new XlContext(domains, inv, false, false, false);
                        help(ctx.out, null);
                        ctx.out.flush();
                        return 0;
                    }
                    default -> {
                        err.println("xl: invalid option -- '" + c + "'");
                        XlContext ctx = new XlContext(domains, inv, false, false, false);
                        help(ctx.out, null);
                        ctx.out.flush();
                        return EXIT_USAGE;
                    }
                }
            }
        }
        XlContext ctx = new XlContext(domains, inv, verbose, dryRun, force);
        try {
            if (i >= argv.size()) {
                help(ctx.out, null);
                return EXIT_USAGE;
            }
            String name = argv.get(i);
            XlCommand cmd = lookup(name);
            if (cmd == null) {
                err.println("command not implemented");
                return 1;
            }
            if (dryRun && !cmd.canDryRun()) {
                err.println("command does not implement -N (dryrun) option");
                return 1;
            }
            Getopt.Parsed args;
            try {
                args = Getopt.parse(longOptions(cmd, argv.subList(i + 1, argv.size())), cmd.getopt());
            } catch (Getopt.UsageError e) {
                err.println("xl " + cmd.name() + ": " + e.getMessage());
                help(ctx.out, cmd.name());
                return EXIT_USAGE;
            }
            if (args.help()) {
                help(ctx.out, cmd.name());
                return 0;
            }
            if (args.operands().size() < cmd.minArgs()) {
                err.println("'xl " + cmd.name() + "' requires at least " + cmd.minArgs() + " argument"
                        + (cmd.minArgs() > 1 ? "s" : "") + ".\n");
                help(ctx.out, cmd.name());
                return EXIT_USAGE;
            }
            return cmd.handler().run(ctx, args);
        } catch (DomainException e) {
            err.println(e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            throw e;
        } catch (IOException e) {
            if (!ctx.cancelled()) {
                err.println("xl: " + e.getMessage());
            }
            return 1;
        } catch (Exception e) {
            err.println("xl: internal error: " + e);
            return 1;
        } finally {
            ctx.out.flush();
        }
    }

    /** {@code --long} as {@code -l}: the long names the table's options give ("-l, --long"). */
    static List<String> longOptions(XlCommand cmd, List<String> args) {
        List<String> out = new ArrayList<>(args.size());
        boolean operands = false;
        for (String a : args) {
            operands |= a.equals("--");
            String mapped = a;
            if (!operands && a.startsWith("--") && a.length() > 2) {
                for (Opt o : cmd.options()) {
                    if (o.flag().matches("-[a-zA-Z], " + java.util.regex.Pattern.quote(a) + "(\\s.*)?")) {
                        mapped = o.flag().substring(0, 2);
                    }
                }
            }
            out.add(mapped);
        }
        return out;
    }

    /** The command {@code name} names: exactly, or as the one command it is a prefix of. */
    static XlCommand lookup(String name) {
        List<XlCommand> prefixed = new ArrayList<>();
        for (XlCommand c : COMMANDS) {
            if (c.name().equals(name)) {
                return c;
            }
            if (c.name().startsWith(name)) {
                prefixed.add(c);
            }
        }
        return prefixed.size() == 1 ? prefixed.get(0) : null;
    }

    private static int helpCommand(XlContext ctx, Getopt.Parsed args) {
        String which = args.operands().isEmpty() ? null : args.operands().get(0);
        if (which != null && lookup(which) == null) {
            ctx.out.println("command \"" + which + "\" not implemented");
            return 1;
        }
        help(ctx.out, which);
        return 0;
    }

    /** {@code xl help} (every command) or {@code xl help CMD}, in xl's layout. */
    static void help(PrintStream out, String command) {
        XlCommand cmd = command == null || command.equals("help") ? null : lookup(command);
        if (cmd == null) {
            out.print("Usage xl [-vfN] <subcommand> [args]\n\n");
            out.print("xl full list of subcommands:\n\n");
            for (XlCommand c : COMMANDS) {
                out.printf(" %-19s ", c.name());
                if (c.name().length() > 19) {
                    out.printf("\n %-19s ", "");
                }
                out.println(c.description());
            }
            return;
        }
        out.printf("Usage: xl [-v%s%s] %s %s\n\n%s.\n\n", cmd.modifies() ? "f" : "", cmd.canDryRun() ? "N" : "", cmd.name(),
                cmd.usage().lines().findFirst().orElse(""), cmd.description());
        if (!cmd.options().isEmpty()) {
            out.print("Options:\n\n");
            for (Opt o : cmd.options()) {
                out.printf("%-23s %s\n", o.flag(), o.description());
            }
            out.println();
        }
    }
}
