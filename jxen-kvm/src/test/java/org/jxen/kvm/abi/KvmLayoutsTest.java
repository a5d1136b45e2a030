package org.jxen.kvm.abi;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jxen.testkit.CProbe;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every KVM struct layout and constant jxen uses, checked against the installed
 * {@code linux/kvm.h} by compiling an offsetof/sizeof probe with gcc.
 */
class KvmLayoutsTest {
    private static final List<String> INCLUDES = List.of("linux/kvm.h", "linux/kvm_para.h");

    /** Every named field path of {@code layout}, looking through unnamed groups as C does. */
    static void fieldPaths(MemoryLayout layout, String prefix, Map<String, Long> out, long base) {
        if (!(layout instanceof GroupLayout g)) {
            return;
        }
        long off = 0;
        for (MemoryLayout m : g.memberLayouts()) {
            long at = base + (g instanceof StructLayout ? off : 0);
            if (!(m instanceof PaddingLayout)) {
                if (m.name().isPresent()) {
                    String path = prefix.isEmpty() ? m.name().get() : prefix + "." + m.name().get();
                    out.put(path, at);
                    fieldPaths(m, path, out, at);
                } else {
                    fieldPaths(m, prefix, out, at);
                }
            }
            off += m.byteSize();
        }
    }

    @Test
    void everyStructSizeAndFieldOffsetMatchesTheKernelHeaders() throws Exception {
        Map<String, Long> expected = new LinkedHashMap<>();
        for (StructLayout s : KvmLayouts.ALL) {
            String struct = "struct " + s.name().orElseThrow();
            expected.put("sizeof(" + struct + ")", s.byteSize());
            Map<String, Long> paths = new LinkedHashMap<>();
            fieldPaths(s, "", paths, 0);
            paths.forEach((path, off) -> expected.put("offsetof(" + struct + ", " + path + ")", off));
        }
        Map<String, Long> actual = CProbe.values(INCLUDES, new ArrayList<>(expected.keySet()));
        assertThat(expected).hasSizeGreaterThan(150);
        assertThat(expected).containsExactlyEntriesOf(actual);
    }

    @Test
    void offsetHelperLooksThroughAnonymousUnions() {
        // linux/kvm.h: the exit union starts after cr8 and apic_base, at byte 32.
        assertThat(KvmLayouts.offset(KvmLayouts.KVM_RUN, "io.port")).isEqualTo(34);
        assertThat(KvmLayouts.offset(KvmLayouts.KVM_RUN, "mmio.data")).isEqualTo(40);
    }

    @Test
    void everyConstantMatchesItsMacro() throws Exception {
        Map<String, Long> expected = new LinkedHashMap<>();
        for (Field f : KvmH.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && (f.getType() == int.class || f.getType() == long.class)) {
                expected.put(f.getName(), ((Number) f.get(null)).longValue());
            }
        }
        Map<String, Long> actual = CProbe.values(INCLUDES, new ArrayList<>(expected.keySet()));
        assertThat(expected).hasSizeGreaterThan(100);
        assertThat(expected).containsExactlyEntriesOf(actual);
    }
}
