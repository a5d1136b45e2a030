package org.jxen.xen.gnttab;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

import org.jxen.vmm.memory.GuestMemory;
import org.jxen.xen.abi.XenH;

/**
 * A domain's grant table, version 1 (xen/grant_table.h): {@code grant_entry_v1} entries in
 * frames the guest placed in its physical memory ({@code XENMEM_add_to_physmap},
 * {@code XENMAPSPACE_grant_table}), and the accesses other domains make through them: a backend
 * reads or writes a granted page only when the entry permits access to its domain, writes only
 * when it is not read-only, and marks the entry {@code GTF_reading}/{@code GTF_writing} while it
 * does (the flags a guest checks before it ends a grant). The entry is read once per attempt and
 * claimed with a compare-and-set, retried a bounded number of times, so a guest that keeps
 * changing it cannot hold the backend.
 *
 * <p>Threads: any; entries are claimed atomically.
 */
public final class GrantTable {
    /** Entries a frame holds. */
    public static final int ENTRIES_PER_FRAME = XenH.XEN_PAGE_SIZE / XenH.GRANT_ENTRY_V1_SIZE;
    /** Frames a domain may have (Xen's default max_grant_frames). */
    public static final int MAX_FRAMES = 64;
    static final int CLAIM_RETRIES = 16;
    /** The entry's first word: flags (low 16 bits) and domid (high 16), claimed as one aligned int. */
    private static final VarHandle WORD = ValueLayout.JAVA_INT.varHandle();

    private final int domid;
    private final GuestMemory memory;
    private final List<Long> frames = new ArrayList<>();

    public GrantTable(int domid, GuestMemory memory) {
        this.domid = domid;
        this.memory = memory;
    }

    public int domid() {
        return domid;
    }

    /**
     * XENMAPSPACE_grant_table: frame {@code idx} of the table is the guest page {@code gpfn}
     * (zeroed now, as a new frame is). Returns 0 or a negated Xen errno.
     */
    public synchronized int mapFrame(int idx, long gpfn) {
        if (idx < 0 || idx >= MAX_FRAMES || idx > frames.size()) {
            return -XenH.EINVAL;
        }
        long gpa = gpfn * XenH.XEN_PAGE_SIZE;
        if (gpfn < 0 || !memory.contains(gpa, XenH.XEN_PAGE_SIZE)) {
            return -XenH.EINVAL;
        }
        memory.zero(gpa, XenH.XEN_PAGE_SIZE);
        if (idx == frames.size()) {
            frames.add(gpfn);
        } else {
            frames.set(idx, gpfn);
        }
        return 0;
    }

    /** The frames mapped so far (GNTTABOP_query_size's nr_frames). */
    public synchronized int frames() {
        return frames.size();
    }

    /** The guest page frame numbers of the table (GNTTABOP_setup_table's frame list for a guest that mapped them). */
    public synchronized List<Long> frameList() {
        return List.copyOf(frames);
    }

    private synchronized MemorySegment entry(int ref) {
        if (ref < 0 || ref / ENTRIES_PER_FRAME >= frames.size()) {
            return null;
        }
        long gpa = frames.get(ref / ENTRIES_PER_FRAME) * XenH.XEN_PAGE_SIZE
                + (long) (ref % ENTRIES_PER_FRAME) * XenH.GRANT_ENTRY_V1_SIZE;
        return memory.slice(gpa, XenH.GRANT_ENTRY_V1_SIZE);
    }

    /** The outcome of an access through a grant: a GNTST_* status and, for a read, the bytes. */
    public record Access(int status, byte[] data) {
        static Access of(int status) {
            return new Access(status, null);
        }
    }

    /**
     * Reads {@code length} bytes at {@code offset} of the page granted by {@code ref} to domain
     * {@code reader}.
     */
    public Access read(int reader, int ref, int offset, int length) {
        return access(reader, ref, offset, length, null);
    }

    /** Writes {@code data} at {@code offset} of the page granted by {@code ref} to {@code writer}. */
    public Access write(int writer, int ref, int offset, byte[] data) {
        return access(writer, ref, offset, data.length, data);
    }

    private Access access(int who, int ref, int offset, int length, byte[] data) {
        if (offset < 0 || length < 0 || offset + length > XenH.XEN_PAGE_SIZE) {
            return Access.of(XenH.GNTST_bad_copy_arg);
        }
        MemorySegment e = entry(ref);
        if (e == null) {
            return Access.of(XenH.GNTST_bad_gntref);
        }
        boolean writing = data != null;
        int busy = writing ? XenH.GTF_writing : XenH.GTF_reading;
        for (int attempt = 0; attempt < CLAIM_RETRIES; attempt++) {
            int word = (int) WORD.getVolatile(e, 0L);
            int f = word & 0xFFFF;
            int granted = word >>> 16;
            if ((f & XenH.GTF_type_mask) != XenH.GTF_permit_access || granted != who) {
                return Access.of(XenH.GNTST_permission_denied);
            }
            if (writing && (f & XenH.GTF_readonly) != 0) {
                return Access.of(XenH.GNTST_permission_denied);
            }
            if (!WORD.compareAndSet(e, 0L, word, word | busy)) {
                continue; // the guest changed the entry meanwhile: read it again
            }
            try {
                long frame = Integer.toUnsignedLong(e.get(ValueLayout.JAVA_INT_UNALIGNED, 4));
                long gpa = frame * XenH.XEN_PAGE_SIZE + offset;
                if (!memory.contains(gpa, Math.max(1, length))) {
                    return Access.of(XenH.GNTST_bad_virt_addr);
                }
                if (writing) {
                    memory.write(gpa, data);
                    return Access.of(XenH.GNTST_okay);
                }
                return new Access(XenH.GNTST_okay, memory.read(gpa, length));
            } finally {
                // Clear only our bit: the guest may have changed other bits meanwhile.
                WORD.getAndBitwiseAnd(e, 0L, ~busy);
            }
        }
        return Access.of(XenH.GNTST_general_error);
    }

    /**
     * A grant mapped by a backend: the granted page as a view of the granting domain's memory,
     * with the entry marked {@code GTF_reading} (and {@code GTF_writing} when writable) until
     * {@link #close}, as Xen marks a mapped v1 grant, so the guest sees it in use.
     */
    public final class Mapping implements AutoCloseable {
        private final MemorySegment entry;
        private final int busy;
        private final MemorySegment page;
        private boolean closed;

        Mapping(MemorySegment entry, int busy, MemorySegment page) {
            this.entry = entry;
            this.busy = busy;
            this.page = page;
        }

        public MemorySegment page() {
            return page;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                WORD.getAndBitwiseAnd(entry, 0L, ~busy);
            }
        }
    }

    /** The outcome of {@link #map}: a GNTST_* status and, when it is GNTST_okay, the mapping. */
    public record MapResult(int status, Mapping mapping) {}

    /** Maps the page {@code ref} grants to {@code who}, writable unless {@code readOnly}. */
    public MapResult map(int who, int ref, boolean readOnly) {
        MemorySegment e = entry(ref);
        if (e == null) {
            return new MapResult(XenH.GNTST_bad_gntref, null);
        }
        int busy = XenH.GTF_reading | (readOnly ? 0 : XenH.GTF_writing);
        for (int attempt = 0; attempt < CLAIM_RETRIES; attempt++) {
            int word = (int) WORD.getVolatile(e, 0L);
            int f = word & 0xFFFF;
            if ((f & XenH.GTF_type_mask) != XenH.GTF_permit_access || word >>> 16 != who
                    || !readOnly && (f & XenH.GTF_readonly) != 0) {
                return new MapResult(XenH.GNTST_permission_denied, null);
            }
            if (!WORD.compareAndSet(e, 0L, word, word | busy)) {
                continue;
            }
            long frame = Integer.toUnsignedLong(e.get(ValueLayout.JAVA_INT_UNALIGNED, 4));
            long gpa = frame * XenH.XEN_PAGE_SIZE;
            if (!memory.contains(gpa, XenH.XEN_PAGE_SIZE)) {
                WORD.getAndBitwiseAnd(e, 0L, ~busy);
                return new MapResult(XenH.GNTST_bad_virt_addr, null);
            }
            return new MapResult(XenH.GNTST_okay, new Mapping(e, busy, memory.slice(gpa, XenH.XEN_PAGE_SIZE)));
        }
        return new MapResult(XenH.GNTST_general_error, null);
    }
}
