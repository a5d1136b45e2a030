package org.jxen.xenstore.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

import org.jxen.xenstore.store.Caller;
import org.jxen.xenstore.store.Change;
import org.jxen.xenstore.store.Node;
import org.jxen.xenstore.store.Paths;
import org.jxen.xenstore.store.Perms;
import org.jxen.xenstore.store.Quota;
import org.jxen.xenstore.store.Store;
import org.jxen.xenstore.store.StoreCheck;
import org.jxen.xenstore.store.Transaction;
import org.jxen.xenstore.store.View;
import org.jxen.xenstore.store.Watches;
import org.jxen.xenstore.wire.XsError;
import org.jxen.xenstore.wire.XsException;
import org.jxen.xenstore.wire.XsOp;
import org.jxen.xenstore.wire.XsPacket;

/**
 * The XenStore daemon's core, independent of transports: one store, its watches and the
 * introduced domains, and a dispatch table from {@link XsOp} to handler with xenstored's flags
 * (PRIV: privileged callers only; NOTID: the header's tx_id is ignored), so the permission and
 * transaction checks happen once, before any handler runs. Unknown ops get ENOSYS.
 *
 * <p>Threads: {@link #handle} is called by every connection's reader; requests are served one
 * at a time under one lock (the store is single-threaded by design), and watch events are
 * queued to their connections before the lock is released, so every client sees changes in
 * the order they happened.
 */
public final class XenstoreServer {
    private static final System.Logger LOG = System.getLogger("org.jxen.xenstore");
    static final byte[] OK = XsPacket.nulTerminated("OK");

    enum Flag { PRIV, NOTID }

    @FunctionalInterface
    interface Handler {
        byte[] handle(Request r) throws XsException;
    }

    record Op(Handler handler, Set<Flag> flags) {}

    /** One request being served: who, what, and the view (live store or transaction) it works on. */
    record Request(Connection conn, XsPacket packet, Caller caller, View view, Transaction tx) {
        byte[] payload() {
            return packet.payload();
        }
    }

    private final Object lock = new Object();
    private final Store store;
    private final Watches watches = new Watches();
    private final Domains domains = new Domains();
    private final Set<Connection> connections = new CopyOnWriteArraySet<>();
    private final List<Change> changes = new ArrayList<>();
    private final Map<XsOp, Op> ops = new EnumMap<>(XsOp.class);
    /**
     * Permissions of the special watch paths (Xen 4.17: owned by Dom0, no access for others
     * until Dom0 grants it with SET_PERMS; read access lets a domain receive the events).
     */
    private final Map<String, Perms> specialPerms = new java.util.HashMap<>(Map.of(
            "@introduceDomain", Perms.of(0, org.jxen.xenstore.store.Access.NONE),
            "@releaseDomain", Perms.of(0, org.jxen.xenstore.store.Access.NONE)));
    private volatile boolean logging = true;

    public XenstoreServer(Quota quota) {
        this.store = new Store(quota, changes::add);
        op(XsOp.READ, this::read);
        op(XsOp.WRITE, this::write);
        op(XsOp.MKDIR, this::mkdir);
        op(XsOp.RM, this::rm);
        op(XsOp.DIRECTORY, this::directory);
        op(XsOp.DIRECTORY_PART, this::directoryPart);
        op(XsOp.GET_PERMS, this::getPerms);
        op(XsOp.SET_PERMS, this::setPerms);
        op(XsOp.WATCH, this::watch, Flag.NOTID);
        op(XsOp.UNWATCH, this::unwatch, Flag.NOTID);
        op(XsOp.RESET_WATCHES, this::resetWatches);
        op(XsOp.TRANSACTION_START, this::transactionStart);
        op(XsOp.TRANSACTION_END, this::transactionEnd);
        // Flags as xenstored 4.17's wire_funcs: only WATCH and UNWATCH ignore the tx_id; on
        // every other op an unknown tx_id is ENOENT.
        op(XsOp.GET_DOMAIN_PATH, this::getDomainPath);
        op(XsOp.IS_DOMAIN_INTRODUCED, this::isDomainIntroduced, Flag.PRIV);
        op(XsOp.INTRODUCE, this::introduce, Flag.PRIV);
        op(XsOp.RELEASE, this::release, Flag.PRIV);
        op(XsOp.RESUME, this::resume, Flag.PRIV);
        op(XsOp.SET_TARGET, this::setTarget, Flag.PRIV);
        op(XsOp.CONTROL, this::control, Flag.PRIV);
    }

    private void op(XsOp op, Handler h, Flag... flags) {
        ops.put(op, new Op(h, flags.length == 0 ? EnumSet.noneOf(Flag.class) : EnumSet.of(flags[0], flags)));
    }

    /** The ops this server answers (for documentation and tests). */
    public Set<XsOp> supportedOps() {
        return ops.keySet();
    }

    // --- connections ---

    /** Registers a connection (its watches and transactions start empty). */
    public void connect(Connection c) {
        connections.add(c);
    }

    /** Forgets a connection: its watches and transactions end. Idempotent. */
    public void disconnect(Connection c) {
        synchronized (lock) {
            if (connections.remove(c)) {
                watches.removeAll(c);
                c.transactions.clear();
            }
            c.closed = true;
        }
    }

    /** The quotas in force (CONTROL quota can change them while the daemon runs). */
    public Quota quota() {
        synchronized (lock) {
            return store.quota();
        }
    }

    /** Registered watches, of every connection (memreport's figure). */
    int watchCount() {
        synchronized (lock) {
            return watches.size();
        }
    }

    public int connectionCount() {
        return connections.size();
    }

    /** Guarded by {@link #lock}: the connection whose request is being served, and its output. */
    private Connection requester;
    private Consumer<XsPacket> requesterOut;
    /** Guarded by {@link #lock}: the first event of a new watch, sent after the WATCH reply. */
    private XsPacket afterReply;

    /**
     * Serves one request. Its reply, and the watch events it fires for the requester itself, go
     * to {@code out} in Xen's order, before this returns: a change's events before the reply
     * that acknowledges it (xenstored's do_write fires, then acks), a new watch's first event
     * after the WATCH reply. Events for other connections go to their
     * {@link Connection#deliverEvent}. Everything is produced under the server's lock, so each
     * connection sees its replies and events in the order the store changed. Never throws for
     * anything a client can send.
     */
    public void handle(Connection c, XsPacket req, Consumer<XsPacket> out) {
        synchronized (lock) {
            if (c.isClosed()) {
                // A reader may still hold requests read before its connection was cut off:
                // they must not add watches or transactions that nothing would remove.
                out.accept(req.error(XsError.EIO));
                return;
            }
            changes.clear();
            afterReply = null;
            requester = c;
            requesterOut = out;
            try {
                XsPacket reply;
                try {
                    reply = req.reply(dispatch(c, req));
                } catch (XsException e) {
                    if (logging) {
                        LOG.log(System.Logger.Level.DEBUG, () -> c + ": " + req + ": " + e.getMessage());
                    }
                    reply = req.error(e.error());
                } catch (RuntimeException e) {
                    // A bug in jxen, not the client's fault: the client gets EIO, the daemon carries on.
                    LOG.log(System.Logger.Level.ERROR, c + ": " + req + " failed inside jxen-xenstored", e);
                    reply = req.error(XsError.EIO);
                }
                fireChanges();
                out.accept(reply);
                if (afterReply != null) {
                    out.accept(afterReply);
                }
            } finally {
                requester = null;
                requesterOut = null;
                afterReply = null;
                changes.clear();
            }
        }
    }

    /**
     * Sends the events of the changes made so far, once per watch and event path even when a
     * transaction changed a node several times (xenstored queues one event per node).
     */
    private void fireChanges() {
        if (changes.isEmpty()) {
            return;
        }
        Set<Watches.Event> sent = new java.util.HashSet<>();
        for (Change ch : changes) {
            for (Watches.Event ev : watches.fire(ch, store)) {
                if (sent.add(ev)) {
                    event(ev);
                }
            }
        }
        changes.clear();
    }

    private byte[] dispatch(Connection c, XsPacket req) throws XsException {
        XsOp xsOp = req.op();
        // WATCH_EVENT and ERROR are never requests: like every number without a handler
        // (xenstored's wire_funcs), they get ENOSYS.
        Op op = xsOp == null ? null : ops.get(xsOp);
        if (op == null) {
            throw new XsException(XsError.ENOSYS, "unknown message type " + Integer.toUnsignedString(req.type()));
        }
        if (op.flags().contains(Flag.PRIV) && !c.privileged()) {
            throw new XsException(XsError.EACCES, xsOp + " needs a privileged connection");
        }
        Transaction tx = null;
        if (!op.flags().contains(Flag.NOTID) && req.txId() != 0) {
            tx = c.transactions.get(req.txId());
            if (tx == null) {
                throw new XsException(XsError.ENOENT, "no transaction " + Integer.toUnsignedString(req.txId()));
            }
        }
        Caller caller = c.caller(domains.target(c.domid()));
        return op.handler().handle(new Request(c, req, caller, tx == null ? store : tx, tx));
    }

    /**
     * Sends one event: to the requester's output when it is the requester's own, else to the
     * watcher's connection. An event over the payload limit (a long path with a long token) is
     * dropped, as xenstored's send_event drops it.
     */
    private void event(Watches.Event ev) {
        Connection target = (Connection) ev.owner();
        if (target.isClosed()) {
            return;
        }
        XsPacket p = eventPacket(ev);
        if (p == null) {
            return;
        }
        if (target == requester) {
            requesterOut.accept(p);
        } else {
            target.deliverEvent(p);
        }
    }

    private XsPacket eventPacket(Watches.Event ev) {
        byte[] payload = XsPacket.nulTerminated(ev.path(), ev.token());
        if (payload.length > XsPacket.PAYLOAD_MAX) {
            LOG.log(System.Logger.Level.DEBUG, () -> "dropping a watch event of " + payload.length + " bytes for "
                    + ev.owner() + " (over " + XsPacket.PAYLOAD_MAX + ")");
            return null;
        }
        return XsPacket.of(XsOp.WATCH_EVENT, 0, 0, payload);
    }

    // --- payload helpers ---

    /** The NUL-terminated strings of a payload, as xenstored's get_strings counts them (a tail without NUL is not one). */
    private static List<String> terminatedStrings(byte[] p) {
        int end = p.length;
        while (end > 0 && p[end - 1] != 0) {
            end--;
        }
        return XsPacket.strings(java.util.Arrays.copyOf(p, end), 0);
    }

    /** The payload as exactly {@code n} NUL-terminated strings. */
    private static List<String> args(Request r, int n) throws XsException {
        byte[] p = r.payload();
        if (p.length == 0 || p[p.length - 1] != 0) {
            throw new XsException(XsError.EINVAL, "payload is not NUL-terminated");
        }
        List<String> s = XsPacket.strings(p, 0);
        if (s.size() != n) {
            throw new XsException(XsError.EINVAL, "expected " + n + " argument(s), got " + s.size());
        }
        return s;
    }

    private static String path(Request r, String raw) throws XsException {
        if (Paths.isSpecial(raw)) {
            throw new XsException(XsError.EINVAL, "special path " + raw + " outside WATCH");
        }
        return Paths.canonical(raw, r.conn().domid());
    }

    private static int domid(String s) throws XsException {
        // ASCII decimal only: Character.isDigit would also take other scripts' digits.
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(ch -> ch >= '0' && ch <= '9')
                || Integer.parseInt(s) > 0xffff) {
            throw new XsException(XsError.EINVAL, "domid \"" + s + "\" (expected: 0..65535)");
        }
        return Integer.parseInt(s);
    }

    // --- handlers ---

    private byte[] read(Request r) throws XsException {
        return store.read(r.view(), r.caller(), path(r, args(r, 1).get(0)));
    }

    private byte[] write(Request r) throws XsException {
        byte[] p = r.payload();
        int nul = indexOfNul(p);
        if (nul < 0) {
            throw new XsException(XsError.EINVAL, "WRITE without a NUL after the path");
        }
        String path = path(r, new String(p, 0, nul, StandardCharsets.ISO_8859_1));
        byte[] value = java.util.Arrays.copyOfRange(p, nul + 1, p.length);
        store.write(r.view(), r.caller(), path, value);
        return OK;
    }

    private static int indexOfNul(byte[] p) {
        for (int i = 0; i < p.length; i++) {
            if (p[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private byte[] mkdir(Request r) throws XsException {
        store.mkdir(r.view(), r.caller(), path(r, args(r, 1).get(0)));
        return OK;
    }

    private byte[] rm(Request r) throws XsException {
        store.rm(r.view(), r.caller(), path(r, args(r, 1).get(0)));
        return OK;
    }

    private byte[] directory(Request r) throws XsException {
        List<String> children = store.directory(r.view(), r.caller(), path(r, args(r, 1).get(0)));
        byte[] out = XsPacket.nulTerminated(children.toArray(String[]::new));
        if (out.length > XsPacket.PAYLOAD_MAX) {
            throw new XsException(XsError.E2BIG, children.size() + " children do not fit one reply (use DIRECTORY_PART)");
        }
        return out;
    }

    /**
     * XS_DIRECTORY_PART (xenstore.txt): {@code <gencnt>|<child>|*} from the byte offset into the
     * full child list; the last part ends with an extra NUL, which is how Xen's client library
     * knows it has everything.
     */
    private byte[] directoryPart(Request r) throws XsException {
        List<String> a = args(r, 2);
        String path = path(r, a.get(0));
        int offset;
        try {
            offset = Integer.parseInt(a.get(1));
        } catch (NumberFormatException e) {
            throw new XsException(XsError.EINVAL, "offset \"" + a.get(1) + "\"");
        }
        Node n = store.node(r.view(), r.caller(), path);
        byte[] all = XsPacket.nulTerminated(n.children().toArray(String[]::new));
        if (offset < 0) {
            throw new XsException(XsError.EINVAL, "offset " + offset);
        }
        // Past the end (the directory shrank between two parts): an empty last part, as
        // C xenstored answers; the client sees the generation change and starts again.
        offset = Math.min(offset, all.length);
        byte[] gen = XsPacket.nulTerminated(Long.toString(n.generation()));
        int room = XsPacket.PAYLOAD_MAX - gen.length - 1;
        int end = offset;
        // Whole names only: advance name by name while they fit.
        while (end < all.length) {
            int next = end;
            while (all[next] != 0) {
                next++;
            }
            next++;
            if (next - offset > room) {
                break;
            }
            end = next;
        }
        boolean last = end == all.length;
        byte[] out = new byte[gen.length + (end - offset) + (last ? 1 : 0)];
        System.arraycopy(gen, 0, out, 0, gen.length);
        System.arraycopy(all, offset, out, gen.length, end - offset);
        return out;
    }

    private byte[] getPerms(Request r) throws XsException {
        String raw = args(r, 1).get(0);
        Perms p = Paths.isSpecial(raw) ? special(raw) : store.getPerms(r.view(), r.caller(), path(r, raw));
        return XsPacket.nulTerminated(p.strings().toArray(String[]::new));
    }

    private Perms special(String raw) throws XsException {
        Perms p = specialPerms.get(raw);
        if (p == null) {
            throw new XsException(XsError.EINVAL, "\"" + raw + "\" is neither a path nor a special node");
        }
        return p;
    }

    private byte[] setPerms(Request r) throws XsException {
        byte[] p = r.payload();
        if (p.length == 0 || p[p.length - 1] != 0) {
            throw new XsException(XsError.EINVAL, "payload is not NUL-terminated");
        }
        List<String> s = XsPacket.strings(p, 0);
        if (s.size() < 2) {
            throw new XsException(XsError.EINVAL, "SET_PERMS needs a path and at least one permission");
        }
        Perms perms = Perms.parse(s.subList(1, s.size()));
        if (Paths.isSpecial(s.get(0))) {
            special(s.get(0));
            if (!r.caller().privileged()) {
                throw new XsException(XsError.EACCES, "only a privileged domain may set permissions of " + s.get(0));
            }
            specialPerms.put(s.get(0), perms);
            return OK;
        }
        store.setPerms(r.view(), r.caller(), path(r, s.get(0)), perms);
        return OK;
    }

    private byte[] watch(Request r) throws XsException {
        List<String> a = pathAndToken(r);
        String raw = a.get(0);
        String token = a.get(1);
        Connection c = r.conn();
        if (Paths.isSpecial(raw) && raw.length() > XsPacket.REL_PATH_MAX) {
            throw new XsException(XsError.EINVAL, "special path of " + raw.length() + " bytes (expected: <= "
                    + XsPacket.REL_PATH_MAX + ")");
        }
        String abs = Paths.isSpecial(raw) ? raw : Paths.canonical(raw, c.domid());
        String relativeBase = Paths.isSpecial(raw) || raw.startsWith("/") ? null : c.home();
        if (watches.has(c, abs, token)) {
            throw new XsException(XsError.EEXIST, "watch " + raw + " with token " + token + " exists");
        }
        // As xenstored 4.17 (do_watch: count > quota, then E2BIG): a domain may hold one watch
        // over the quota.
        if (!c.privileged() && watches.count(c) > store.quota().watches()) {
            throw new XsException(XsError.E2BIG, "domain " + c.domid() + " has " + watches.count(c)
                    + " watches (quota " + store.quota().watches() + ")");
        }
        watches.add(new Watches.Watch(c, abs, token, relativeBase, r.caller()));
        // xenstore.txt: a new watch fires once straight away, with the path as given; xenstored
        // sends it after the WATCH reply.
        afterReply = eventPacket(new Watches.Event(c, raw, token));
        return OK;
    }

    /** WATCH's and UNWATCH's payload: exactly two strings, as xenstored's get_strings counts them. */
    private static List<String> pathAndToken(Request r) throws XsException {
        List<String> a = terminatedStrings(r.payload());
        if (a.size() != 2) {
            throw new XsException(XsError.EINVAL, r.packet().op() + " needs a path and a token, got " + a.size()
                    + " strings");
        }
        return a;
    }

    private byte[] unwatch(Request r) throws XsException {
        List<String> a = pathAndToken(r);
        String raw = a.get(0);
        String abs;
        try {
            abs = Paths.isSpecial(raw) ? raw : Paths.canonical(raw, r.conn().domid());
        } catch (XsException e) {
            // No watch can have an invalid path: xenstored answers ENOENT here.
            throw new XsException(XsError.ENOENT, "no watch " + raw + " (" + e.getMessage() + ")");
        }
        if (!watches.remove(r.conn(), abs, a.get(1))) {
            throw new XsException(XsError.ENOENT, "no watch " + raw + " with token " + a.get(1));
        }
        return OK;
    }

    private byte[] resetWatches(Request r) {
        watches.removeAll(r.conn());
        r.conn().transactions.clear();
        return OK;
    }

    private byte[] transactionStart(Request r) throws XsException {
        if (r.tx() != null) {
            throw new XsException(XsError.EBUSY, "TRANSACTION_START inside transaction " + r.tx().id());
        }
        Connection c = r.conn();
        // As xenstored 4.17 (transaction_started > quota): one over the quota is still allowed.
        if (!c.privileged() && c.transactions.size() > store.quota().transactions()) {
            throw new XsException(XsError.ENOSPC, "domain " + c.domid() + " has " + c.transactions.size()
                    + " open transactions (quota)");
        }
        Transaction t = store.begin(c);
        while (c.transactions.containsKey(t.id())) {
            t = store.begin(c);
        }
        c.transactions.put(t.id(), t);
        return XsPacket.nulTerminated(Integer.toUnsignedString(t.id()));
    }

    private byte[] transactionEnd(Request r) throws XsException {
        String arg = args(r, 1).get(0);
        if (!arg.equals("T") && !arg.equals("F")) {
            throw new XsException(XsError.EINVAL, "TRANSACTION_END takes T or F, got \"" + arg + "\"");
        }
        if (r.tx() == null) {
            throw new XsException(XsError.ENOENT, "TRANSACTION_END outside a transaction");
        }
        r.conn().transactions.remove(r.tx().id());
        if (arg.equals("T")) {
            store.commit(r.tx());
        }
        return OK;
    }

    private byte[] getDomainPath(Request r) throws XsException {
        return XsPacket.nulTerminated(Paths.domainPath(domid(args(r, 1).get(0))));
    }

    /** DOMID_SELF (xen/xen.h, 0x7FF0): xenstored answers T for it. */
    static final int DOMID_SELF = 0x7FF0;

    private byte[] isDomainIntroduced(Request r) throws XsException {
        int domid = domid(args(r, 1).get(0));
        return XsPacket.nulTerminated(domid == DOMID_SELF || domains.introduced(domid) ? "T" : "F");
    }

    private byte[] introduce(Request r) throws XsException {
        List<String> a = terminatedStrings(r.payload());
        if (a.size() < 3) {
            throw new XsException(XsError.EINVAL, "INTRODUCE needs domid, gfn and event channel");
        }
        int domid = domid(a.get(0));
        // The gfn is not used (xenstored ignores it too): the ring is mapped by the Xen-ABI layer.
        int port;
        try {
            port = Integer.parseInt(a.get(2));
        } catch (NumberFormatException e) {
            port = 0;
        }
        if (port <= 0) {
            throw new XsException(XsError.EINVAL, "INTRODUCE event channel \"" + a.get(2) + "\"");
        }
        introduceDomain(domid, 0, port);
        return OK;
    }

    /** RELEASE and RESUME's argument: an introduced domain other than 0 (xenstored's onearg_domain). */
    private int otherDomain(Request r) throws XsException {
        int domid = domid(args(r, 1).get(0));
        if (domid == 0) {
            throw new XsException(XsError.EINVAL, r.packet().op() + " of domain 0");
        }
        if (!domains.introduced(domid)) {
            throw new XsException(XsError.ENOENT, "domain " + domid + " is not introduced");
        }
        return domid;
    }

    private byte[] release(Request r) throws XsException {
        releaseDomain(otherDomain(r));
        return OK;
    }

    private byte[] resume(Request r) throws XsException {
        domains.resume(otherDomain(r));
        return OK;
    }

    private byte[] setTarget(Request r) throws XsException {
        List<String> a = args(r, 2);
        int domid = domid(a.get(0));
        int target = domid(a.get(1));
        for (int d : new int[] {domid, target}) {
            if (!domains.introduced(d)) {
                throw new XsException(XsError.ENOENT, "domain " + d + " is not introduced");
            }
        }
        domains.setTarget(domid, target);
        return OK;
    }

    /**
     * XS_CONTROL, with Xen 4.17 xenstored's commands and syntax (xenstore.txt, "CONTROL"):
     * {@code check}, {@code help}, {@code log on|off}, {@code memreport [<file>]},
     * {@code print <string>}, {@code quota [set <name> <val>|<domid>]}. Commands and their
     * arguments arrive as NUL-separated strings; anything else is EINVAL, on which
     * xenstore-control prints the help.
     */
    private byte[] control(Request r) throws XsException {
        List<String> a = XsPacket.strings(r.payload(), 0);
        if (a.isEmpty()) {
            throw new XsException(XsError.EINVAL, "CONTROL without a command");
        }
        List<String> args = a.subList(1, a.size());
        return switch (a.get(0)) {
            case "help" -> XsPacket.nulTerminated("check\nhelp\nlog\ton|off\nmemreport\t[<file>]\nprint\t<string>\n"
                    + "quota\t[set <name> <val>|<domid>]\n");
            case "check" -> {
                // xenstored_control.c, do_control_check: no arguments; it acks once checked.
                if (!args.isEmpty()) {
                    throw new XsException(XsError.EINVAL, "check takes no arguments");
                }
                check();
                yield OK;
            }
            case "log" -> {
                if (args.size() != 1 || !(args.get(0).equals("on") || args.get(0).equals("off"))) {
                    throw new XsException(XsError.EINVAL, "log takes on or off");
                }
                logging = args.get(0).equals("on");
                yield OK;
            }
            case "print" -> {
                if (args.isEmpty()) {
                    throw new XsException(XsError.EINVAL, "print needs a string");
                }
                LOG.log(System.Logger.Level.WARNING, "print: " + String.join(" ", args));
                yield OK;
            }
            case "memreport" -> memreport(args);
            case "quota" -> quota(args);
            default -> throw new XsException(XsError.EINVAL, "unknown control command \"" + a.get(0) + "\"");
        };
    }

    /**
     * Checks the store, the special nodes' permissions, every connection's transactions and the
     * watch index against each other, and repairs what disagrees ({@link StoreCheck}); logs each
     * finding and a summary, as xenstored's check_store logs to syslog. CONTROL check runs it; so
     * may the toolstack or a test, from any thread (it takes the server's lock, so no request is
     * served half-way through it). Returns the findings.
     */
    public List<StoreCheck.Finding> check() {
        synchronized (lock) {
            StoreCheck check = new StoreCheck().tree(store);
            specialPerms.replaceAll((name, perms) -> check.perms(name, perms, store.quota()));
            for (Connection c : connections) {
                check.transactions(c, !c.isClosed(), c.transactions);
            }
            // A closed connection's watches are as stale as an unknown owner's.
            check.watches(watches, o -> o instanceof Connection c && !c.isClosed() && connections.contains(c));
            List<StoreCheck.Finding> found = check.findings();
            for (StoreCheck.Finding f : found) {
                LOG.log(System.Logger.Level.WARNING, "check: " + f);
            }
            LOG.log(System.Logger.Level.WARNING, "check: " + check.summary());
            return found;
        }
    }

    private byte[] memreport(List<String> args) throws XsException {
        Runtime rt = Runtime.getRuntime();
        String report = String.format("nodes: %d%nwatches: %d%nconnections: %d%ndomains: %d%nheap used: %d KiB%n",
                store.size(), watches.size(), connections.size(), domains.count(), (rt.totalMemory() - rt.freeMemory()) >> 10);
        if (args.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "memreport:\n" + report.strip());
            return OK;
        }
        if (args.size() != 1) {
            throw new XsException(XsError.EINVAL, "memreport takes at most a file name");
        }
        try {
            java.nio.file.Files.writeString(java.nio.file.Path.of(args.get(0)), report);
        } catch (java.io.IOException | RuntimeException e) {
            throw new XsException(XsError.EIO, "cannot write memreport to " + args.get(0) + ": " + e.getMessage());
        }
        return OK;
    }

    private byte[] quota(List<String> args) throws XsException {
        Quota q = store.quota();
        if (args.isEmpty()) {
            StringBuilder b = new StringBuilder();
            q.asMap().forEach((k, v) -> b.append(String.format("%-17s: %8d%n", k, v)));
            return XsPacket.nulTerminated(b.toString());
        }
        if (args.size() == 1) {
            int domid = domid(args.get(0));
            return XsPacket.nulTerminated(String.format("Domain %d:%n%-17s: %8d%n%-17s: %8d%n%-17s: %8d%n", domid,
                    "nodes", store.ownedBy(domid),
                    "watches", connections.stream().filter(c -> c.domid() == domid).mapToInt(watches::count).sum(),
                    "transactions", connections.stream().filter(c -> c.domid() == domid)
                            .mapToInt(c -> c.transactions.size()).sum()));
        }
        if (args.size() == 3 && args.get(0).equals("set")) {
            int v;
            try {
                v = Integer.parseInt(args.get(2));
            } catch (NumberFormatException e) {
                throw new XsException(XsError.EINVAL, "quota value \"" + args.get(2) + "\"");
            }
            Quota n = v < 1 ? null : q.with(args.get(1), v);
            if (n == null) {
                throw new XsException(XsError.EINVAL, "quota set " + args.get(1) + " " + args.get(2));
            }
            store.quota(n);
            return OK;
        }
        throw new XsException(XsError.EINVAL, "quota takes nothing, a domid, or set <name> <value>");
    }

    // --- the toolstack's side ---

    /**
     * Introduces a domain (as XS_INTRODUCE): the first time, fires {@code @introduceDomain}; again
     * (xenstored uses it to rebind the event channel), it does not. Either way the domain's
     * connections start afresh, without watches or transactions (xenstored's domain_conn_reset).
     */
    public void introduceDomain(int domid, long gfn, int evtchn) {
        synchronized (lock) {
            boolean known = domains.introduced(domid);
            domains.introduce(domid, gfn, evtchn);
            for (Connection c : connections) {
                if (c.domid() == domid && !c.privileged()) {
                    watches.removeAll(c);
                    c.transactions.clear();
                }
            }
            if (!known) {
                for (Watches.Event ev : watches.fireSpecial("@introduceDomain", specialPerms.get("@introduceDomain"))) {
                    event(ev);
                }
            }
        }
    }

    /**
     * Releases a domain (as XS_RELEASE): its connections end, every node it owns goes (firing
     * watches, as xenstored's domain_tree_remove), it leaves the special nodes' permissions, and
     * {@code @releaseDomain} fires. False if it was not introduced.
     */
    public boolean releaseDomain(int domid) {
        synchronized (lock) {
            if (domid == 0 || !domains.release(domid)) {
                return false;
            }
            for (Connection c : connections) {
                if (c.domid() == domid && !c.privileged()) {
                    disconnect(c);
                    c.shutdownTransport();
                }
            }
            try {
                store.removeOwnedBy(domid);
            } catch (XsException e) {
                LOG.log(System.Logger.Level.ERROR, "removing the nodes of domain " + domid + ": " + e.getMessage());
            }
            fireChanges();
            specialPerms.replaceAll((name, perms) -> perms.without(domid));
            for (Watches.Event ev : watches.fireSpecial("@releaseDomain", specialPerms.get("@releaseDomain"))) {
                event(ev);
            }
            return true;
        }
    }

    /** Runs {@code action} on the store under the server's lock (for the toolstack and tests). */
    public <T> T withStore(java.util.function.Function<Store, T> action) {
        synchronized (lock) {
            changes.clear();
            T result = action.apply(store);
            fireChanges();
            return result;
        }
    }
}
