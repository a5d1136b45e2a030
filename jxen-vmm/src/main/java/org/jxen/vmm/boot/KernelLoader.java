package org.jxen.vmm.boot;

import org.jxen.vmm.memory.GuestMemory;

/** Loads any supported kernel: detects the format and hands over to its loader. */
public final class KernelLoader {
    /** What was loaded and how the boot vCPU starts. */
    public record Loaded(KernelFormat format, EntryState entry, boolean linux) {}

    private KernelLoader() {}

    /** Reads the kernel and detects its format, without touching guest memory. */
    public static KernelFormat probe(BootSpec spec) throws BootException {
        byte[] image = KernelFormat.readFile(spec.kernel(), "kernel", KernelFormat.MAX_KERNEL_BYTES);
        return KernelFormat.detect(spec.kernel(), image);
    }

    public static Loaded load(GuestMemory mem, BootSpec spec) throws BootException {
        byte[] image = KernelFormat.readFile(spec.kernel(), "kernel", KernelFormat.MAX_KERNEL_BYTES);
        KernelFormat format = KernelFormat.detect(spec.kernel(), image);
        return switch (format) {
            case PVH_ELF -> {
                ElfImage elf = ElfImage.parse(spec.kernel(), image);
                yield new Loaded(format, PvhLoader.load(mem, spec, elf, image), elf.isLinux());
            }
            case MULTIBOOT -> new Loaded(format, MultibootLoader.load(mem, spec, image), false);
            case BZIMAGE -> new Loaded(format, BzImageLoader.load(mem, spec, image), true);
        };
    }
}
