package org.jxen.xenstore.wire;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jxen.testkit.CProbe;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every number and name jxen takes from {@code xen/io/xs_wire.h}, checked against the installed
 * header by compiling a probe with gcc: the message types, the sizes and limits, and the
 * {@code xsd_errors} table (its order matters: new errors are only ever appended).
 */
class XsWireTest {
    /** errno.h first: xs_wire.h defines xsd_errors only when EINVAL is defined. */
    private static final List<String> INCLUDES = List.of("stdint.h", "errno.h", "xen/io/xs_wire.h");

    @Test
    void everyOpNumberMatchesTheHeaderEnum() throws Exception {
        Map<String, Long> expected = new LinkedHashMap<>();
        for (XsOp op : XsOp.values()) {
            expected.put("XS_" + op.name(), (long) op.number());
        }
        expected.put("XS_TYPE_COUNT", (long) XsOp.XS_TYPE_COUNT);
        Map<String, Long> actual = CProbe.values(INCLUDES, new ArrayList<>(expected.keySet()));
        assertThat(actual).containsExactlyEntriesOf(expected);
    }

    @Test
    void theOpTableHasEveryTypeButTheRemovedRestrict() throws Exception {
        Map<String, Long> h = CProbe.values(INCLUDES,
                List.of("XS_DEBUG", "XS_CONTROL", "XS_SET_TARGET", "XS_RESET_WATCHES", "XS_INVALID"));
        // XS_RESTRICT (XS_SET_TARGET + 1) was removed; every other number below XS_TYPE_COUNT is an op.
        assertThat(h.get("XS_RESET_WATCHES")).isEqualTo(h.get("XS_SET_TARGET") + 2);
        assertThat(h.get("XS_DEBUG")).isEqualTo(h.get("XS_CONTROL"));
        List<Integer> gaps = new ArrayList<>();
        for (int n = 0; n < XsOp.XS_TYPE_COUNT; n++) {
            XsOp op = XsOp.of(n);
            if (op == null) {
                gaps.add(n);
            } else {
                assertThat(op.number()).isEqualTo(n);
            }
        }
        assertThat(gaps).containsExactly(h.get("XS_SET_TARGET").intValue() + 1);
        assertThat(XsOp.values()).hasSize(XsOp.XS_TYPE_COUNT - 1);
        assertThat(XsOp.of(h.get("XS_INVALID").intValue())).isNull();
        assertThat(XsOp.of(XsOp.XS_TYPE_COUNT)).isNull();
        assertThat(XsOp.of(-1)).isNull();
    }

    @Test
    void headerSizeAndLimitsMatchTheHeader() throws Exception {
        Map<String, Long> expected = new LinkedHashMap<>();
        expected.put("sizeof(struct xsd_sockmsg)", (long) XsPacket.HEADER_SIZE);
        expected.put("offsetof(struct xsd_sockmsg, type)", 0L);
        expected.put("offsetof(struct xsd_sockmsg, req_id)", 4L);
        expected.put("offsetof(struct xsd_sockmsg, tx_id)", 8L);
        expected.put("offsetof(struct xsd_sockmsg, len)", 12L);
        expected.put("XENSTORE_PAYLOAD_MAX", (long) XsPacket.PAYLOAD_MAX);
        expected.put("XENSTORE_ABS_PATH_MAX", (long) XsPacket.ABS_PATH_MAX);
        expected.put("XENSTORE_REL_PATH_MAX", (long) XsPacket.REL_PATH_MAX);
        Map<String, Long> actual = CProbe.values(INCLUDES, new ArrayList<>(expected.keySet()));
        assertThat(actual).containsExactlyEntriesOf(expected);
    }

    @Test
    void errorNamesAreExactlyTheXsdErrorsTableInOrder() throws Exception {
        String probe = """
                #include <stdio.h>
                #include <stdint.h>
                #include <errno.h>
                #include <xen/io/xs_wire.h>
                int main(void) {
                    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++) {
                        printf("%s\\n", xsd_errors[i].errstring);
                    }
                    return 0;
                }
                """;
        List<String> table = CProbe.run(probe);
        assertThat(table).isNotEmpty();
        assertThat(Arrays.stream(XsError.values()).map(Enum::name).toList()).containsExactlyElementsOf(table);
    }

    @Test
    void errorPayloadIsTheNameAndOneNul() {
        for (XsError e : XsError.values()) {
            byte[] p = e.payload();
            assertThat(p[p.length - 1]).isZero();
            assertThat(new String(p, 0, p.length - 1, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo(e.name());
            assertThat(XsError.fromPayload(p)).isSameAs(e);
            assertThat(XsError.fromPayload(Arrays.copyOf(p, p.length - 1))).isSameAs(e);
        }
        assertThat(XsError.fromPayload("EQUOTA\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII))).isNull();
        assertThat(XsError.fromPayload(new byte[0])).isNull();
    }
}
