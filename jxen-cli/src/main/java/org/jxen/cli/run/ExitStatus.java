package org.jxen.cli.run;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jxen.vmm.vcpu.ShutdownReason;

import picocli.CommandLine;

/**
 * jxen-run's exit statuses: one per way a VM can end, so scripts can tell them apart.
 * Listed in {@code --help} and the man page ({@link InHelp}).
 */
public enum ExitStatus {
    POWEROFF(0, "the guest powered off"),
    ERROR(1, "jxen-run could not start the VM (bad option, kernel or host)"),
    REBOOT(2, "the guest rebooted and --on-reboot is destroy"),
    CRASH(3, "the guest crashed (panic, triple fault, or an instruction this host cannot run)"),
    TIMEOUT(4, "--timeout ran out; the VM was destroyed"),
    DETACHED(5, "the VM was destroyed: Ctrl-] on the console, or SIGTERM"),
    SUSPEND(6, "the guest suspended itself"),
    WATCHDOG(7, "the guest's watchdog fired"),
    SOFT_RESET(8, "the guest asked for a soft reset"),
    /** 128 + SIGINT's number (2), as a shell reports a command that SIGINT ended. */
    INTERRUPTED(130, "SIGINT: the VM was destroyed");

    private final int code;
    private final String meaning;

    ExitStatus(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }

    static ExitStatus of(ShutdownReason r) {
        return switch (r) {
            case POWEROFF -> POWEROFF;
            case REBOOT -> REBOOT;
            case SUSPEND -> SUSPEND;
            case CRASH -> CRASH;
            case WATCHDOG -> WATCHDOG;
            case SOFT_RESET -> SOFT_RESET;
            case DESTROYED -> DETACHED;
        };
    }

    /**
     * Puts the statuses into jxen-run's command model, for --help and for the man page. A model
     * transformer, because picocli's man page generator builds the model from the annotations
     * alone (it never runs main) and an annotation cannot list an enum's values.
     */
    public static final class InHelp implements CommandLine.IModelTransformer {
        @Override
        public CommandLine.Model.CommandSpec transform(CommandLine.Model.CommandSpec spec) {
            Map<String, String> list = new LinkedHashMap<>();
            for (ExitStatus s : values()) {
                list.put(Integer.toString(s.code), s.meaning);
            }
            spec.usageMessage().exitCodeList(list);
            return spec;
        }
    }
}
