package org.jxen.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jxen.testkit.Checkout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/jxen-network in a network namespace of the test's own (unshare -n), so the host's
 * interfaces are never touched: the bridge comes up with its address, NAT table and DHCP
 * server; a client on a veth port gets a lease from it (busybox udhcpc); down removes it all.
 */
class NetworkHelperIT {
    @TempDir
    Path tmp;

    static boolean tool(String path) {
        return Files.isExecutable(Path.of(path));
    }

    @Test
    void aBridgeWithNatAndDhcpServesALeaseAndGoesAway() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root (a network namespace, a bridge)");
        for (String t : List.of("/usr/sbin/dnsmasq", "/usr/sbin/nft", "/bin/busybox", "/usr/bin/unshare")) {
            if (!tool(t)) {
                if ("1".equals(System.getenv("JXEN_REQUIRE_TOOLS"))) {
                    throw new AssertionError("JXEN_REQUIRE_TOOLS=1 but " + t + " is missing");
                }
                assumeTrue(false, t + " is missing (./jxen test installs dnsmasq-base, nftables, busybox-static)");
            }
        }
        String net = Checkout.bin("jxen-network").toString();
        String script = String.join("\n",
                "set -e",
                "ip link set lo up",
                net + " up --bridge tbr0 --subnet 10.77.0",
                "ip link add v0 type veth peer name v1",
                "ip link set v0 master tbr0",
                "ip link set v0 up",
                "ip link set v1 up",
                "busybox udhcpc -i v1 -n -q -f -t 10 -s /bin/true",
                net + " status --bridge tbr0",
                "ip link add nb0 type veth peer name nb1",
                "if " + net + " up --bridge nb0 2>&1; then echo 'nb0: accepted'; fi",
                net + " down --bridge tbr0",
                net + " status --bridge tbr0");
        ProcessBuilder pb = new ProcessBuilder("unshare", "-n", "sh", "-c", script).redirectErrorStream(true);
        pb.environment().put("JXEN_RUNDIR", tmp.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("tbr0 is up: 10.77.0.1/24")
                .containsPattern("lease of 10\\.77\\.0\\.1\\d\\d obtained from 10\\.77\\.0\\.1")
                .contains("bridge: tbr0 10.77.0.1/24").contains("ports: v0").contains("nat: nftables table jxen-tbr0")
                .contains("jxen-network: nb0 exists and is not a bridge").doesNotContain("nb0: accepted")
                .contains("tbr0 is down").contains("bridge: tbr0 does not exist").contains("dhcp: not served");
        assertThat(tmp.resolve("dnsmasq-tbr0.pid")).doesNotExist();
    }
}
