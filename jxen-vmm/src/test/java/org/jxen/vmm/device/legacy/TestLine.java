package org.jxen.vmm.device.legacy;

import org.jxen.vmm.irq.InterruptLine;

/** An interrupt line that remembers its level and counts rising edges. */
final class TestLine implements InterruptLine {
    private boolean level;
    private int risingEdges;

    @Override
    public synchronized void set(boolean newLevel) {
        if (newLevel && !level) {
            risingEdges++;
        }
        level = newLevel;
    }

    synchronized boolean level() {
        return level;
    }

    synchronized int risingEdges() {
        return risingEdges;
    }
}
