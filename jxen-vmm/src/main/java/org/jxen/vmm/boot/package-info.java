/**
 * Kernel loaders: an ELF with the Xen PVH entry note ({@code XEN_ELFNOTE_PHYS32_ENTRY},
 * xen/elfnote.h; {@code struct hvm_start_info}, xen/arch-x86/hvm/start_info.h), Multiboot v1
 * (Multiboot Specification 0.6.96) and the Linux x86 64-bit boot protocol for bzImage
 * (Documentation/arch/x86/boot.rst). Each writes the kernel, its boot structures and the
 * memory map into guest memory and returns the register state the boot vCPU starts with.
 */
package org.jxen.vmm.boot;
