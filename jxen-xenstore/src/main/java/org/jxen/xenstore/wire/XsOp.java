package org.jxen.xenstore.wire;

/**
 * {@code enum xsd_sockmsg_type} of xen/io/xs_wire.h. The numbers are the enum's positions
 * (XS_RESTRICT, 20, was removed; XS_RESET_WATCHES is XS_SET_TARGET + 2); checked against the
 * header by XsWireTest.
 */
public enum XsOp {
    CONTROL(0),
    DIRECTORY(1),
    READ(2),
    GET_PERMS(3),
    WATCH(4),
    UNWATCH(5),
    TRANSACTION_START(6),
    TRANSACTION_END(7),
    INTRODUCE(8),
    RELEASE(9),
    GET_DOMAIN_PATH(10),
    WRITE(11),
    MKDIR(12),
    RM(13),
    SET_PERMS(14),
    WATCH_EVENT(15),
    ERROR(16),
    IS_DOMAIN_INTRODUCED(17),
    RESUME(18),
    SET_TARGET(19),
    RESET_WATCHES(21),
    DIRECTORY_PART(22);

    /** xs_wire.h: XS_TYPE_COUNT, one past the last valid type. */
    public static final int XS_TYPE_COUNT = 23;

    private static final XsOp[] BY_NUMBER = new XsOp[XS_TYPE_COUNT];

    static {
        for (XsOp op : values()) {
            BY_NUMBER[op.number] = op;
        }
    }

    private final int number;

    XsOp(int number) {
        this.number = number;
    }

    /** The type number on the wire. */
    public int number() {
        return number;
    }

    /** The op for a wire number, or null when the number names none. */
    public static XsOp of(int number) {
        return number >= 0 && number < BY_NUMBER.length ? BY_NUMBER[number] : null;
    }
}
