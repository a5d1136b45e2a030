package org.jxen.vmm.machine;

import org.jxen.vmm.vcpu.ShutdownReason;

/** How a machine ended: Xen's shutdown reason and a sentence saying what happened. */
public record Outcome(ShutdownReason reason, String detail) {}
