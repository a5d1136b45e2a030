/**
 * Provisioning: what xen-tools does for Xen ({@code provision.image}: xen-create-image's image
 * builder, installers, customisation and xl config) and the pygrub-style bootloader
 * ({@code provision.bootloader}) that finds a kernel, initrd and command line inside a guest's
 * disk image without mounting it.
 */
module org.jxen.provision {
    requires transitive org.jxen.block;
    requires transitive org.jxen.toolstack;
    exports org.jxen.provision.bootloader;
    exports org.jxen.provision.image;
}
