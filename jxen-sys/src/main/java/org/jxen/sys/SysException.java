package org.jxen.sys;

import java.io.IOException;

/**
 * A system call failed. Carries the call (with the arguments that identify what it acted on)
 * and the errno, so that the message reads as one sentence: {@code ioctl(KVM_RUN) failed: EINTR
 * (Interrupted system call)}.
 */
public class SysException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    public SysException(String call, int errno) {
        super(call + " failed: " + Errno.describe(errno));
        this.call = call;
        this.errno = errno;
    }

    /** The call that failed, as {@code name(what)}. */
    public String call() {
        return call;
    }

    /** The errno it returned. */
    public int errno() {
        return errno;
    }
}
