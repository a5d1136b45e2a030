package org.jxen.toolstack.domain;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.jxen.toolstack.config.CpuList;
import org.jxen.toolstack.config.DomainConfigSpec;

/**
 * Every domain of this host, and what the xl commands and the control API can do to them:
 * libxl's role. One instance per jxend; thread-safe (commands from many clients run at once).
 *
 * <p>A domain is named by a {@code domSpec}, as xl's {@code find_domain}: a domain id in decimal
 * or a name. Every method that takes one throws {@link DomainException.Kind#NOT_FOUND} when no
 * domain matches.
 */
public interface Domains {
    /** Domain-0 first, then every domain by domid. */
    List<DomainInfo> list();

    /** The domain that {@code domSpec} names. */
    DomainInfo find(String domSpec) throws DomainException;

    /**
     * Builds and starts a domain; returns once it runs (or is paused, with
     * {@link CreateOptions#paused()}). Fails with {@link DomainException.Kind#EXISTS} when the
     * name is taken, and with a clear message when the kernel cannot be booted or KVM refuses.
     */
    DomainInfo create(DomainConfigSpec config, CreateOptions options) throws DomainException;

    /** Destroys the domain at once ({@code xl destroy}); the domain's XenStore tree is removed. */
    void destroy(String domSpec) throws DomainException;

    /**
     * Asks the guest to power off or reboot, as {@code xl shutdown}/{@code xl reboot} do: writes
     * {@code control/shutdown} and presses the ACPI power button for guests that do not watch
     * it. With {@code force} ({@code -F}) a guest without PV drivers gets the ACPI event anyway.
     * Returns once asked; {@link #gone(int)} completes when the domain has gone.
     */
    void shutdown(String domSpec, boolean reboot, boolean force) throws DomainException;

    /** Completes when the domain with this id no longer exists (for {@code -w}). */
    CompletableFuture<Void> gone(int domid);

    void pause(String domSpec) throws DomainException;

    void unpause(String domSpec) throws DomainException;

    void rename(String domSpec, String newName) throws DomainException;

    /** Attaches a new reader to the domain's console. */
    ConsoleAttachment console(String domSpec) throws DomainException;

    /** Every vCPU of the domain, or of every domain when {@code domSpec} is null. */
    List<VcpuInfo> vcpus(String domSpec) throws DomainException;

    /** Sets a vCPU's hard (and, when not null, soft) affinity: real thread affinity. */
    void pinVcpu(String domSpec, int vcpu, CpuList hard, CpuList soft) throws DomainException;

    /**
     * {@code xl mem-set}: the domain's memory target, in MiB, reached through its balloon (the
     * guest gives pages back or takes them again).
     */
    default void setMemory(String domSpec, long targetMiB) throws DomainException {
        throw new DomainException(DomainException.Kind.UNSUPPORTED, "changing a domain's memory is not supported here");
    }

    /** {@code xl vcpu-set}: the number of online vCPUs. */
    void setVcpus(String domSpec, int count) throws DomainException;

    /** A domain's disk or network device, as {@code xl block-list} / {@code network-list} show it. */
    record DeviceInfo(int devid, String backendPath, String mac, int state) {}

    /** The domain's disks ({@code vbd}) or vifs ({@code vif}), by devid. */
    default List<DeviceInfo> devices(String domSpec, String kind) throws DomainException {
        return List.of();
    }

    /** {@code xl info}: Xen's keys, in Xen's order, with jxen's and the host's values. */
    Map<String, String> hostInfo();

    /** jxend's own log, as {@code xl dmesg} prints Xen's; {@code clear} empties it afterwards. */
    String dmesg(boolean clear);

    /** Warnings for a config that a create would print (unknown keys, pv run as pvh, ...). */
    default List<String> warnings(DomainConfigSpec config) {
        return config.warnings().stream().map(Object::toString).toList();
    }
}
