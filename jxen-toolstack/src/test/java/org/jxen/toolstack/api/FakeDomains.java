package org.jxen.toolstack.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.jxen.toolstack.config.CpuList;
import org.jxen.toolstack.config.DomainConfigSpec;
import org.jxen.toolstack.domain.ConsoleAttachment;
import org.jxen.toolstack.domain.CreateOptions;
import org.jxen.toolstack.domain.DomainException;
import org.jxen.toolstack.domain.DomainInfo;
import org.jxen.toolstack.domain.DomainState;
import org.jxen.toolstack.domain.Domains;
import org.jxen.toolstack.domain.VcpuInfo;

/** Domains kept in a map, for the API's tests: what the API sends and shows, without VMs. */
final class FakeDomains implements Domains {
    final Map<Integer, DomainInfo> domains = new LinkedHashMap<>();
    final List<String> calls = new ArrayList<>();
    private int next = 1;

    FakeDomains() {
        domains.put(0, info(0, "Domain-0", new UUID(0, 0), Optional.empty()));
    }

    private static DomainInfo info(int domid, String name, UUID uuid, Optional<DomainConfigSpec> config) {
        return new DomainInfo(domid, name, uuid, 256, 256, 1, 1, Set.of(DomainState.RUNNING), 0.5,
                Instant.parse("2026-12-02T10:00:00Z"), Optional.empty(), config);
    }

    @Override
    public synchronized List<DomainInfo> list() {
        return List.copyOf(domains.values());
    }

    @Override
    public synchronized DomainInfo find(String domSpec) throws DomainException {
        for (DomainInfo d : domains.values()) {
            if (d.name().equals(domSpec) || String.valueOf(d.domid()).equals(domSpec)) {
                return d;
            }
        }
        throw new DomainException(DomainException.Kind.NOT_FOUND, domSpec + " is an invalid domain identifier (rc=-6)");
    }

    @Override
    public synchronized DomainInfo create(DomainConfigSpec config, CreateOptions options) throws DomainException {
        for (DomainInfo d : domains.values()) {
            if (d.name().equals(config.name())) {
                throw new DomainException(DomainException.Kind.EXISTS, "domain with name \"" + config.name() + "\" already exists");
            }
        }
        calls.add("create " + config.name() + " kernel=" + config.boot().kernel().orElse("") + " paused=" + options.paused());
        DomainInfo d = info(next++, config.name(), config.uuid().orElse(UUID.randomUUID()), Optional.of(config));
        domains.put(d.domid(), d);
        return d;
    }

    @Override
    public synchronized void destroy(String domSpec) throws DomainException {
        domains.remove(find(domSpec).domid());
    }

    @Override
    public synchronized void shutdown(String domSpec, boolean reboot, boolean force) throws DomainException {
        calls.add((reboot ? "reboot " : "shutdown ") + find(domSpec).name() + " force=" + force);
    }

    @Override
    public CompletableFuture<Void> gone(int domid) {
        return new CompletableFuture<>();
    }

    @Override
    public void pause(String domSpec) throws DomainException {
        calls.add("pause " + find(domSpec).name());
    }

    @Override
    public void unpause(String domSpec) throws DomainException {
        calls.add("unpause " + find(domSpec).name());
    }

    @Override
    public synchronized void rename(String domSpec, String newName) throws DomainException {
        DomainInfo d = find(domSpec);
        domains.put(d.domid(), new DomainInfo(d.domid(), newName, d.uuid(), d.memoryMiB(), d.maxMemoryMiB(), d.vcpus(),
                d.maxVcpus(), d.states(), d.cpuSeconds(), d.created(), d.shutdownReason(), d.config()));
    }

    @Override
    public ConsoleAttachment console(String domSpec) throws DomainException {
        throw new DomainException(DomainException.Kind.UNSUPPORTED, "no consoles here");
    }

    @Override
    public List<VcpuInfo> vcpus(String domSpec) throws DomainException {
        DomainInfo d = find(domSpec);
        return List.of(new VcpuInfo(d.domid(), d.name(), 0, 1, 'r', 0.25, new CpuList(List.of()), new CpuList(List.of())));
    }

    @Override
    public void pinVcpu(String domSpec, int vcpu, CpuList hard, CpuList soft) throws DomainException {
        throw new DomainException(DomainException.Kind.UNSUPPORTED, "no pinning here");
    }

    @Override
    public void setVcpus(String domSpec, int count) throws DomainException {
        throw new DomainException(DomainException.Kind.UNSUPPORTED, "vCPU hot-plug is not supported yet");
    }

    @Override
    public Map<String, String> hostInfo() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("host", "testhost");
        m.put("nr_cpus", "2");
        return m;
    }

    @Override
    public String dmesg(boolean clear) {
        return "(jxend) started\n";
    }
}
