package org.jxen.xenstore.store;

/**
 * Per-domain limits for unprivileged domains, with Xen's xenstored defaults (docs/misc/xenstored.txt,
 * xenstored --help): nodes owned, watches, open transactions, bytes per node, permission
 * entries per node, and requests waiting for their reply. Exceeding one is answered with
 * ENOSPC, as Xen's C xenstored does (the xsd_errors table has no EQUOTA).
 */
public record Quota(int nodes, int watches, int transactions, int nodeSize, int permissions, int outstanding) {
    public static final Quota XEN_DEFAULTS = new Quota(1000, 128, 10, 2048, 5, 20);

    public Quota {
        if (nodes < 1 || watches < 1 || transactions < 1 || nodeSize < 1 || permissions < 1 || outstanding < 1) {
            throw new IllegalArgumentException("quota values must be positive");
        }
    }

    /** The quota names of {@code xenstore-control quota}, with their values. */
    public java.util.Map<String, Integer> asMap() {
        java.util.Map<String, Integer> m = new java.util.LinkedHashMap<>();
        m.put("nodes", nodes);
        m.put("watches", watches);
        m.put("transactions", transactions);
        m.put("node-size", nodeSize);
        m.put("permissions", permissions);
        m.put("outstanding", outstanding);
        return m;
    }

    /** This quota with one named value changed; null for an unknown name. */
    public Quota with(String name, int value) {
        return switch (name) {
            case "nodes" -> new Quota(value, watches, transactions, nodeSize, permissions, outstanding);
            case "watches" -> new Quota(nodes, value, transactions, nodeSize, permissions, outstanding);
            case "transactions" -> new Quota(nodes, watches, value, nodeSize, permissions, outstanding);
            case "node-size" -> new Quota(nodes, watches, transactions, value, permissions, outstanding);
            case "permissions" -> new Quota(nodes, watches, transactions, nodeSize, value, outstanding);
            case "outstanding" -> new Quota(nodes, watches, transactions, nodeSize, permissions, value);
            default -> null;
        };
    }
}
