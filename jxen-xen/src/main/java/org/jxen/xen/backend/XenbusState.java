package org.jxen.xen.backend;

/** The XenBus device states (xen/io/xenbus.h, {@code enum xenbus_state}). */
public final class XenbusState {
    private XenbusState() {}

    public static final int UNKNOWN = 0;
    public static final int INITIALISING = 1;
    public static final int INIT_WAIT = 2;
    public static final int INITIALISED = 3;
    public static final int CONNECTED = 4;
    public static final int CLOSING = 5;
    public static final int CLOSED = 6;
}
