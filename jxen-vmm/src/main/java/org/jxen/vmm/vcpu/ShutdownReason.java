package org.jxen.vmm.vcpu;

/**
 * Why a guest stopped, as Xen names it (xen/sched.h, SHUTDOWN_*; xl.cfg(5) on_poweroff,
 * on_reboot, on_crash, on_watchdog, on_soft_reset), plus {@link #DESTROYED} for a domain the
 * toolstack stopped itself.
 */
public enum ShutdownReason {
    /** The guest powered itself off (ACPI S5). xen/sched.h SHUTDOWN_poweroff = 0. */
    POWEROFF("poweroff"),
    /** The guest asked to be reset. SHUTDOWN_reboot = 1. */
    REBOOT("reboot"),
    /** The guest suspended itself. SHUTDOWN_suspend = 2. */
    SUSPEND("suspend"),
    /** The guest crashed, or did something this host cannot run. SHUTDOWN_crash = 3. */
    CRASH("crash"),
    /** The guest's watchdog fired. SHUTDOWN_watchdog = 4. */
    WATCHDOG("watchdog"),
    /** The guest asked for a soft reset. SHUTDOWN_soft_reset = 5. */
    SOFT_RESET("soft_reset"),
    /** Not the guest's doing: the toolstack (or a timeout, or the user) destroyed it. */
    DESTROYED("destroy");

    private final String xenName;

    ShutdownReason(String xenName) {
        this.xenName = xenName;
    }

    /** The name xl prints and xl.cfg uses. */
    public String xenName() {
        return xenName;
    }
}
