package org.jxen.toolstack.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VifSpecTest {
    private static final Location AT = Location.of("command line");

    /** Every case of Xen's own {@code tools/xl/check-xl-vif-parse}, as {@code xl -N network-attach 0 ARGS} prints it. */
    @TestFactory
    Stream<DynamicTest> passesXensCheckXlVifParse() {
        return XenCheckScript.tests("check-xl-vif-parse", 44,
                args -> "vif: " + VifSpec.parseArguments(AT, args, w -> { }).toLibxlJson() + "\n\n");
    }

    private static VifSpec vif(String spec, List<ConfigWarning> warnings) throws ConfigException {
        return VifSpec.parse(AT, spec, warnings::add);
    }

    private static VifSpec vif(String spec) throws ConfigException {
        List<ConfigWarning> warnings = new ArrayList<>();
        VifSpec v = vif(spec, warnings);
        assertThat(warnings).as(spec).isEmpty();
        return v;
    }

    /** xl-network-configuration(5), SYNTAX: its three examples. */
    @Test
    void manPageExamples() throws ConfigException {
        VifSpec v = vif("mac=00:16:3E:74:3d:76,model=rtl8139,bridge=xenbr0");
        assertThat(v.mac()).contains("00:16:3e:74:3d:76");
        assertThat(v.model()).contains("rtl8139");
        assertThat(v.bridge()).contains("xenbr0");
        assertThat(vif("mac=00:16:3E:74:34:32").mac()).contains("00:16:3e:74:34:32");
        assertThat(vif("")).isEqualTo(new VifSpec(java.util.Optional.empty(), java.util.OptionalInt.empty(),
                java.util.OptionalInt.empty(), java.util.Optional.empty(), java.util.Optional.empty(),
                java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty(),
                java.util.Optional.empty(), java.util.Optional.empty(), VifSpec.NicType.UNKNOWN, java.util.Optional.empty(),
                java.util.Optional.empty(), Map.of(), java.util.Optional.empty()));
    }

    /**
     * xl-network-configuration(5), "rate": its three examples, and the worked one: "1MB/s@20ms"
     * is "a credit of 20,000 bytes replenished every 20,000 us".
     */
    @ParameterizedTest
    @CsvSource({"10Mb/s, 62500, 50000", "250KB/s, 12500, 50000", "1MB/s@20ms, 20000, 20000"})
    void manPageRates(String rate, long bytes, long usecs) throws ConfigException {
        assertThat(vif("rate=" + rate).rate()).contains(new VifSpec.Rate(bytes, usecs));
    }

    @Test
    void everyKeyIsRead() throws ConfigException {
        VifSpec v = vif("mac=aa:00:00:00:00:01, bridge=br1, gatewaydev=eth0, type=vif, model=e1000, vifname=web0,"
                + " script=vif-route, ip=10.0.0.5 10.0.0.6, backend=netdom, rate=1Gb/s, devid=3, mtu=9000, vlan=12,"
                + " untrusted, forwarddev=eth1, colo_sock_mirror_id=m1, colo_checkpoint_port=7");
        assertThat(v.mac()).contains("aa:00:00:00:00:01");
        assertThat(v.bridge()).contains("br1");
        assertThat(v.gatewaydev()).contains("eth0");
        assertThat(v.type()).isEqualTo(VifSpec.NicType.VIF);
        assertThat(v.vifname()).contains("web0");
        assertThat(v.script()).contains("vif-route");
        assertThat(v.ip()).contains("10.0.0.5 10.0.0.6");
        assertThat(v.backendDomain()).contains("netdom");
        assertThat(v.rate()).contains(new VifSpec.Rate(6_250_000, 50_000));
        assertThat(v.devid()).hasValue(3);
        assertThat(v.mtu()).hasValue(9000);
        assertThat(v.vlan()).contains("12");
        assertThat(v.trusted()).contains(false);
        assertThat(v.colo()).containsExactly(Map.entry("coloft_forwarddev", "eth1"),
                Map.entry("colo_sock_mirror_id", "m1"), Map.entry("colo_checkpoint_port", "7"));
    }

    @Test
    void unknownPieceIsAWarningInAConfigAndAnErrorForNetworkAttach() throws ConfigException {
        List<ConfigWarning> warnings = new ArrayList<>();
        VifSpec v = vif("bridge=xenbr0,brige=xenbr1", warnings);
        assertThat(v.bridge()).contains("xenbr0");
        assertThat(warnings).singleElement().hasToString(
                "command line: warning: unrecognized argument `brige=xenbr1' in vif specification");
        assertThatThrownBy(() -> VifSpec.parseArguments(AT, List.of("brige=xenbr1"), w -> { }))
                .hasMessage("command line: unrecognized argument `brige=xenbr1'");
    }

    @Test
    void deprecatedNetdevWarnsAndSetsGatewaydev() throws ConfigException {
        List<ConfigWarning> warnings = new ArrayList<>();
        assertThat(vif("netdev=eth0", warnings).gatewaydev()).contains("eth0");
        assertThat(warnings).singleElement().extracting(ConfigWarning::message)
                .isEqualTo("the netdev parameter is deprecated, please use gatewaydev instead");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "mac=00:16:3e:74:3d| mac",
            "mac=00:16:3e:74:3d:76:01| mac",
            "mac=00:16:3e:74:3d:7g| mac",
            "mac=00:16:3e:74:3d:76junk| mac",
            "type=tap| type",
            "devid=-1| devid",
            "devid=12abc| devid",
            "mtu=99999999999| mtu",
            "rate=10MB| rate"})
    void refusesBadValuesNamingKeyAndSpec(String spec, String key) {
        assertThatThrownBy(() -> vif(spec)).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.key()).isEqualTo("vif");
            assertThat(e.getMessage()).contains(key.equals("rate") ? "invalid rate" : "`" + key + "'");
        });
    }

    @Test
    void emptyPiecesAreSkippedAndLeadingBlanksDropped() throws ConfigException {
        VifSpec v = vif(",,  bridge=xenbr1,, mac=00:16:3e:00:00:01,");
        assertThat(v.bridge()).contains("xenbr1");
        assertThat(v.mac()).contains("00:16:3e:00:00:01");
    }
}
