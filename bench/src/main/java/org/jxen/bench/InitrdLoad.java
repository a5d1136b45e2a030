package org.jxen.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jxen.vmm.boot.BootSpec;
import org.jxen.vmm.boot.KernelLoader;
import org.jxen.vmm.memory.AddressMap;
import org.jxen.vmm.memory.GuestMemory;

/**
 * One kernel + initrd load into guest memory over a memfd (no KVM), then one JSON line on
 * stdout: how long the load took, the process's memory afterwards from /proc/self/status
 * (VmHWM is the peak RSS of the whole process; RssShmem the guest RAM it filled through its own
 * mapping) and how much shmem the host gained (the guest RAM filled, mapped here or not).
 * One load per process, so that the peak belongs to this load. Run by bench/initrd-load.sh.
 *
 * <pre>
 * InitrdLoad stream KERNEL INITRD MEMORY_MIB   KernelLoader.load, as jxen-run does now
 * InitrdLoad heap   KERNEL INITRD MEMORY_MIB   the kernel as now, the initrd as jxen read it up to
 *                                              commit 418cd9a (replica below)
 * </pre>
 */
public final class InitrdLoad {
    private InitrdLoad() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 4 || !(args[0].equals("stream") || args[0].equals("heap"))) {
            System.err.println("usage: InitrdLoad stream|heap KERNEL INITRD MEMORY_MIB");
            System.exit(2);
        }
        String mode = args[0];
        Path kernel = Path.of(args[1]);
        Path initrd = Path.of(args[2]);
        AddressMap map = new AddressMap(Long.parseLong(args[3]) * AddressMap.MIB);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mode", mode);
        out.put("initrd_bytes", Files.size(initrd));
        out.put("memory_mib", map.memoryBytes() >> 20);
        out.put("heap_max_mib", Runtime.getRuntime().maxMemory() >> 20);
        try (GuestMemory mem = GuestMemory.create("bench-initrd", map)) {
            out.put("vm_hwm_before_kib", status().get("VmHWM"));
            long shmemBefore = shmemKib();
            long t0 = System.nanoTime();
            try {
                if (mode.equals("stream")) {
                    KernelLoader.load(mem, new BootSpec(kernel, initrd, "", map, 0));
                } else {
                    KernelLoader.load(mem, new BootSpec(kernel, null, "", map, 0));
                    byte[] data = readFileAsBefore(initrd);
                    mem.write((map.lowEnd() - data.length) & -4096L, data);
                }
            } catch (Exception | OutOfMemoryError e) {
                out.put("error", e.toString());
            }
            out.put("load_ms", (System.nanoTime() - t0) / 1e6);
            Map<String, Long> s = status();
            for (String k : new String[] {"VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem"}) {
                out.put(k, s.get(k));
            }
            // Guest RAM the load filled, whether or not this process mapped it in: the memfd's
            // pages are shmem. System-wide, so another process's shmem in the meantime adds to it.
            out.put("host_shmem_growth_kib", shmemKib() - shmemBefore);
        }
        System.out.println(json(out));
        System.exit(out.containsKey("error") ? 1 : 0);
    }

    /**
     * KernelFormat.readFile as it was up to commit 418cd9a: the whole file into one heap buffer
     * (which FileChannel.read fills through a temporary direct buffer of the same size), then
     * GuestLoad copied that array into guest memory.
     */
    static byte[] readFileAsBefore(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate((int) ch.size()).order(ByteOrder.LITTLE_ENDIAN);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // read fully
            }
            return buf.array();
        }
    }

    /** The kB fields of /proc/self/status, in KiB. */
    static Map<String, Long> status() throws IOException {
        return kibFields(Path.of("/proc/self/status"));
    }

    static long shmemKib() throws IOException {
        return kibFields(Path.of("/proc/meminfo")).get("Shmem");
    }

    static Map<String, Long> kibFields(Path file) throws IOException {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.endsWith(" kB")) {
                int colon = line.indexOf(':');
                m.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 1, line.length() - 3).trim()));
            }
        }
        return m;
    }

    static String json(Map<String, Object> m) {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append('"').append(e.getKey()).append("\": ");
            Object v = e.getValue();
            b.append(v instanceof String s ? '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"' : String.valueOf(v));
        }
        return b.append('}').toString();
    }
}
