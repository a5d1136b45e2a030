package org.jxen.cli.run;

import org.jxen.vmm.vcpu.ShutdownReason;

/**
 * jxen-run's exit statuses: one per way a VM can end, so scripts can tell them apart.
 * Listed in {@code --help}.
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
    SOFT_RESET(8, "the guest asked for a soft reset");

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

    /** The table for --help. */
    static String table() {
        StringBuilder b = new StringBuilder();
        for (ExitStatus s : values()) {
            b.append(String.format("  %d  %s%n", s.code, s.meaning));
        }
        return b.toString();
    }
}
