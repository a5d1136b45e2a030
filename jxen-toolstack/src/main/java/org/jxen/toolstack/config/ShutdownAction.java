package org.jxen.toolstack.config;

import java.util.Optional;

/**
 * What to do when a domain powers off, reboots, crashes or its watchdog fires (xl.cfg(5) "Event
 * Actions"; libxl's {@code libxl_action_on_shutdown}, names from xl's
 * {@code action_on_shutdown_names}).
 */
public enum ShutdownAction {
    DESTROY("destroy"),
    RESTART("restart"),
    RENAME_RESTART("rename-restart"),
    PRESERVE("preserve"),
    COREDUMP_DESTROY("coredump-destroy"),
    COREDUMP_RESTART("coredump-restart"),
    SOFT_RESET("soft-reset");

    private final String xlName;

    ShutdownAction(String xlName) {
        this.xlName = xlName;
    }

    public String xlName() {
        return xlName;
    }

    /** The action named exactly {@code name} (xl compares with {@code strcmp}). */
    public static Optional<ShutdownAction> of(String name) {
        for (ShutdownAction a : values()) {
            if (a.xlName.equals(name)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
