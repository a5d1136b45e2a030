package org.jxen.toolstack.domain;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.jxen.toolstack.config.DomainConfigSpec;

/**
 * One domain as {@code xl list} and the control API show it, taken at one moment.
 *
 * @param domid the domain id; 0 is Domain-0 (the host)
 * @param name the domain name
 * @param uuid the domain's UUID ({@code /vm/UUID} in XenStore); all zeros for Domain-0
 * @param memoryMiB current memory (the target) in MiB
 * @param maxMemoryMiB the maximum memory in MiB
 * @param vcpus online vCPUs
 * @param maxVcpus the vCPU limit
 * @param states the state flags, see {@link DomainState}
 * @param cpuSeconds CPU time the domain's vCPUs used, in seconds
 * @param created when the domain was created (for {@code xl uptime}); for Domain-0, the host's boot
 * @param shutdownReason Xen's reason ({@code poweroff}, {@code reboot}, {@code suspend},
 *     {@code crash}, {@code watchdog}, {@code soft_reset}) once the domain has shut down
 * @param config the configuration it was created from; empty for Domain-0
 */
public record DomainInfo(
        int domid,
        String name,
        UUID uuid,
        long memoryMiB,
        long maxMemoryMiB,
        int vcpus,
        int maxVcpus,
        Set<DomainState> states,
        double cpuSeconds,
        Instant created,
        Optional<String> shutdownReason,
        Optional<DomainConfigSpec> config) {

    public DomainInfo {
        states = Set.copyOf(states);
    }

    /** The six state columns of {@code xl list}, such as {@code "r-----"}. */
    public String stateLetters() {
        return DomainState.letters(states);
    }
}
