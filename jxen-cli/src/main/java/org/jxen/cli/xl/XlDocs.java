package org.jxen.cli.xl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import org.jxen.toolstack.config.XlCfgKeys;

/**
 * Writes, from the command table and the xl.cfg key table, what the build ships beside the
 * commands: the man pages {@code xl.1} and {@code xl.cfg.5} (AsciiDoc, rendered to troff by
 * {@code ./jxen build}) and the bash completion for {@code xl}. Run by the build
 * ({@code exec-maven-plugin}, phase process-classes): {@code XlDocs OUTDIR}.
 */
public final class XlDocs {
    private XlDocs() {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "target");
        Files.createDirectories(out.resolve("man"));
        Files.createDirectories(out.resolve("bash-completion"));
        Files.writeString(out.resolve("man/xl.1.adoc"), manPage());
        Files.writeString(out.resolve("man/xl.cfg.5.adoc"), cfgManPage());
        Files.writeString(out.resolve("bash-completion/xl"), bashCompletion());
    }

    static String manPage() {
        StringBuilder b = new StringBuilder();
        b.append("= xl(1)\n:doctype: manpage\n:manmanual: jxen\n:mansource: jxen 0.1.0\n\n");
        b.append("== NAME\n\nxl - manage Xen domains on jxen (Linux/KVM)\n\n");
        b.append("== SYNOPSIS\n\n*xl* [*-vfN*] _subcommand_ [_options_] [_args_]\n\n");
        b.append("== DESCRIPTION\n\n*xl* is Xen's domain management tool, as jxen provides it. It is a small native "
                + "program: it hands its arguments, working directory and terminal to *jxend*, the jxen daemon, which "
                + "runs the command and sends back the exit status. When no jxend runs, xl starts the one installed "
                + "beside it. Domains are described by xl.cfg(5) files, as for Xen.\n\n");
        b.append("== GLOBAL OPTIONS\n\n*-v*:: Verbose: say more, such as when xl starts jxend.\n\n"
                + "*-N*:: Dry run: do nothing, for the commands that can say what they would do.\n\n"
                + "*-f*:: Force, for the commands that modify domains.\n\n");
        b.append("== COMMANDS\n\n");
        for (XlCommand c : Xl.COMMANDS) {
            b.append("*").append(c.name()).append("* ").append(escape(c.usage())).append("::\n");
            b.append(c.description()).append(".");
            if (c.canDryRun()) {
                b.append(" Honours *-N*.");
            }
            b.append("\n");
            if (!c.options().isEmpty()) {
                b.append("+\n");
                for (XlCommand.Opt o : c.options()) {
                    b.append("*").append(escape(o.flag())).append("*;; ").append(escape(o.description())).append("\n");
                }
            }
            b.append("\n");
        }
        b.append("== EXIT STATUS\n\n*0*:: Success.\n\n*1*:: The command failed; the message says why.\n\n"
                + "*2*:: The command line was wrong (an unknown option, a missing argument); the usage follows.\n\n");
        b.append("== ENVIRONMENT\n\n*JXEN_RUNDIR*:: Where jxend's sockets are (default _/run/jxen_); xl connects to "
                + "_$JXEN_RUNDIR/xl.sock_.\n\n");
        b.append("== FILES\n\n_/etc/xen/*.cfg_:: Domain configurations, xl.cfg(5).\n\n"
                + "_/var/log/xen/xl-NAME.log_, _/var/log/xen/console/guest-NAME.log_:: A domain's events and console output.\n\n");
        b.append("== SEE ALSO\n\nxl.cfg(5), jxend(8), jxen-run(1)\n");
        return b.toString();
    }

    static String cfgManPage() {
        StringBuilder b = new StringBuilder();
        b.append("= xl.cfg(5)\n:doctype: manpage\n:manmanual: jxen\n:mansource: jxen 0.1.0\n\n");
        b.append("== NAME\n\nxl.cfg - xl domain configuration file syntax, as jxen reads it\n\n");
        b.append("== SYNOPSIS\n\n_/etc/xen/NAME.cfg_\n\n");
        b.append("== DESCRIPTION\n\nThe file is Xen's: `KEY = VALUE` lines, `+=`, `#` comments, strings in single "
                + "or double quotes with C escapes, numbers in decimal, hex or octal, lists in brackets across lines. "
                + "Every key Xen 4.17 documents is recognised; those jxen does not act on yet give one warning each.\n\n");
        b.append("== KEYS JXEN ACTS ON\n\n");
        List<XlCfgKeys.Key> all = List.copyOf(XlCfgKeys.all());
        for (XlCfgKeys.Key k : all) {
            if (XlCfgKeys.implemented(k.name())) {
                b.append("*").append(k.name()).append("*:: ").append(k.section()).append(".\n\n");
            }
        }
        b.append("== KEYS RECOGNISED, NOT YET ACTED ON (one warning each)\n\n");
        b.append(all.stream().filter(k -> !XlCfgKeys.implemented(k.name())).map(k -> "`" + k.name() + "`")
                .collect(Collectors.joining(", "))).append("\n\n");
        b.append("== SEE ALSO\n\nxl(1), docs/XL-CFG.md in the jxen sources\n");
        return b.toString();
    }

    private static String escape(String s) {
        return s.replace("*", "\\*").replace("_", "\\_");
    }

    static String bashCompletion() {
        StringBuilder b = new StringBuilder();
        b.append("# bash completion for xl (jxen), generated from the xl command table\n");
        b.append("_xl() {\n    local cur cmd\n    cur=${COMP_WORDS[COMP_CWORD]}\n    cmd=\n");
        b.append("    local i\n    for ((i = 1; i < COMP_CWORD; i++)); do\n"
                + "        case ${COMP_WORDS[i]} in -*) ;; *) cmd=${COMP_WORDS[i]}; break ;; esac\n    done\n");
        b.append("    if [ -z \"$cmd\" ]; then\n        COMPREPLY=($(compgen -W \"")
                .append(Xl.COMMANDS.stream().map(XlCommand::name).collect(Collectors.joining(" ")))
                .append(" -v -f -N\" -- \"$cur\"))\n        return\n    fi\n");
        b.append("    case $cmd in\n");
        for (XlCommand c : Xl.COMMANDS) {
            String opts = c.options().stream().map(XlCommand.Opt::flag).filter(f -> f.startsWith("-"))
                    .flatMap(f -> java.util.Arrays.stream(f.split(",\\s*"))).map(f -> f.split(" ")[0])
                    .collect(Collectors.joining(" "));
            b.append("        ").append(c.name()).append(")\n");
            b.append("            case $cur in -*) COMPREPLY=($(compgen -W \"").append(opts).append(" -h\" -- \"$cur\")); return ;; esac\n");
            switch (c.completion()) {
                case DOMAIN -> b.append("            COMPREPLY=($(compgen -W \"$(xl list 2>/dev/null | awk 'NR > 1 {print $1}')\" -- \"$cur\"))\n");
                case CONFIG_FILE -> b.append("            COMPREPLY=($(compgen -f -X '!*.cfg' -- \"$cur\") $(compgen -d -- \"$cur\"))\n");
                case COMMAND -> b.append("            COMPREPLY=($(compgen -W \"")
                        .append(Xl.COMMANDS.stream().map(XlCommand::name).collect(Collectors.joining(" "))).append("\" -- \"$cur\"))\n");
                case NONE -> { }
            }
            b.append("            ;;\n");
        }
        b.append("    esac\n}\ncomplete -F _xl xl\n");
        return b.toString();
    }
}
