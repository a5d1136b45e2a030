/** The typed KVM API ({@code linux/kvm.h}, Documentation/virt/kvm/api.rst). */
module org.jxen.kvm {
    requires transitive org.jxen.sys;
    exports org.jxen.kvm;
    exports org.jxen.kvm.abi;
}
