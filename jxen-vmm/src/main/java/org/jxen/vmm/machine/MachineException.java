package org.jxen.vmm.machine;

/** A machine cannot be built: a bad spec, an unbootable kernel or a host that cannot run it. */
public final class MachineException extends Exception {
    private static final long serialVersionUID = 1L;

    public MachineException(String message) {
        super(message);
    }

    public MachineException(String message, Throwable cause) {
        super(message, cause);
    }
}
