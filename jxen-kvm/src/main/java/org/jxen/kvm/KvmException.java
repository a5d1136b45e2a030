package org.jxen.kvm;

import org.jxen.sys.SysException;

/** A KVM ioctl failed: names the ioctl, the object it was issued on, and the errno. */
public final class KvmException extends SysException {
    private static final long serialVersionUID = 1L;

    public KvmException(String ioctl, String on, int errno) {
        super("ioctl(" + ioctl + ") on " + on, errno);
    }
}
