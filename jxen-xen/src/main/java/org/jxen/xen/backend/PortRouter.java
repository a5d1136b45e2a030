package org.jxen.xen.backend;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jxen.xen.evtchn.EventChannels;

/**
 * Domain 0's event channel deliveries for jxend's backends: each bound port's notifications go
 * to the backend that bound it.
 */
public final class PortRouter implements EventChannels.Delivery {
    private final Map<Integer, Runnable> handlers = new ConcurrentHashMap<>();

    public void route(int port, Runnable handler) {
        handlers.put(port, handler);
    }

    public void unroute(int port) {
        handlers.remove(port);
    }

    @Override
    public void deliver(int port, int vcpu) {
        Runnable h = handlers.get(port);
        if (h != null) {
            h.run();
        }
    }
}
