/**
 * KVM's three kinds of file descriptor as types: {@link org.jxen.kvm.Kvm} (/dev/kvm),
 * {@link org.jxen.kvm.KvmVm} (a VM) and {@link org.jxen.kvm.KvmVcpu} (a vCPU with its mmapped
 * {@code kvm_run}). Documentation/virt/kvm/api.rst is the reference for each call.
 */
package org.jxen.kvm;
