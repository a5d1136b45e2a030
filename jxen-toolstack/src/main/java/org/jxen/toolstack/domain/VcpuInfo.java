package org.jxen.toolstack.domain;

import org.jxen.toolstack.config.CpuList;

/**
 * One vCPU as {@code xl vcpu-list} prints it.
 *
 * @param domid the domain
 * @param name the domain's name
 * @param vcpu the vCPU number
 * @param cpu the host CPU it last ran on, or -1 when it is not running
 * @param state {@code r} running, {@code b} blocked, {@code p} paused, {@code -} offline
 *     (xl prints these as {@code r--}, {@code -b-}, {@code --p}, {@code ---})
 * @param cpuSeconds CPU time used
 * @param hardAffinity host CPUs it may run on
 * @param softAffinity host CPUs it prefers
 */
public record VcpuInfo(int domid, String name, int vcpu, int cpu, char state, double cpuSeconds,
        CpuList hardAffinity, CpuList softAffinity) {}
