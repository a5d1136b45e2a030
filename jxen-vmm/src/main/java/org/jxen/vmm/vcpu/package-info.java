/**
 * vCPUs: one platform thread each, looping on {@code KVM_RUN} and dispatching port and MMIO
 * exits to the buses on that thread; kicks (a real-time signal plus {@code immediate_exit});
 * the CPUID and MSR set-up each vCPU gets; the boot vCPU's entry state; and the diagnosis of
 * guests this KVM cannot run (emulation failures, vCPUs stuck on {@code vmcall}).
 */
package org.jxen.vmm.vcpu;
