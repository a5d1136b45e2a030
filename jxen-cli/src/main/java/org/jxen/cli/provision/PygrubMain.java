package org.jxen.cli.provision;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import org.jxen.block.BlockBackend;
import org.jxen.block.BlockBackends;
import org.jxen.provision.bootloader.BootEntry;
import org.jxen.provision.bootloader.Pygrub;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pygrub}: Xen's bootloader's command line, on jxen's reader (raw and qcow2 images, no mount). */
@Command(name = "pygrub", mixinStandardHelpOptions = true, version = "pygrub (jxen) 0.1.0",
        sortOptions = false, usageHelpAutoWidth = true,
        header = "Read a guest's kernel, initrd and command line out of its disk image, as Xen's pygrub does.",
        description = {"Finds the GRUB menu (grub.cfg or menu.lst) on the image's ext2/3/4 filesystems (MBR or GPT "
                + "partitions, or the whole disk), or Debian's /vmlinuz and /initrd.img links, takes the default "
                + "entry (or --entry), writes its kernel and initrd to files in the output directory and prints where, "
                + "in Xen's formats. Raw and qcow2 images are read directly; nothing is mounted.",
            "",
            "xl runs the same code for bootloader = \"pygrub\" in a domain's config, with bootloader_args."},
        descriptionHeading = "%n", optionListHeading = "%nOptions%n")
public final class PygrubMain implements Callable<Integer> {
    @Parameters(paramLabel = "IMAGE", description = "The disk image (raw or qcow2).")
    Path image;

    @Option(names = {"-l", "--list-entries"}, description = "List the menu's entries and exit.")
    boolean list;

    @Option(names = "--entry", paramLabel = "N|TITLE", description = "The entry to boot (default: the menu's default).")
    String entry;

    @Option(names = "--kernel", paramLabel = "PATH", description = "Boot this kernel (a path in the guest) instead of the entry's.")
    String kernel;

    @Option(names = "--ramdisk", paramLabel = "PATH", description = "Use this initrd (a path in the guest) instead of the entry's.")
    String ramdisk;

    @Option(names = "--args", paramLabel = "ARGS", description = "Use this kernel command line instead of the entry's.")
    String args;

    @Option(names = "--output-directory", paramLabel = "DIR", defaultValue = "/var/run/xen/pygrub",
            description = "Where the kernel and initrd files go (default: ${DEFAULT-VALUE}).")
    Path outputDirectory;

    @Option(names = "--output-format", paramLabel = "FORMAT", defaultValue = "sxp",
            description = "sxp, simple or simple0 (default: ${DEFAULT-VALUE}).")
    String outputFormat;

    @Option(names = "--output", paramLabel = "FILE", description = "Write the result to FILE instead of standard output.")
    Path output;

    @Option(names = "--offset", paramLabel = "BYTES", defaultValue = "-1",
            description = "The filesystem starts at this byte of the image (no partition table is read).")
    long offset;

    @Option(names = {"-n", "--not-really"}, description = "Choose the entry and print it, but write no files.")
    boolean notReally;

    @Option(names = {"-q", "--quiet"}, description = "Accepted for Xen's pygrub; there is no menu to show.")
    boolean quiet;

    @Option(names = {"-i", "--interactive"}, description = "Accepted for Xen's pygrub; the default entry is taken.")
    boolean interactive;

    public static void main(String[] args) {
        System.exit(Main.run("pygrub", new PygrubMain(), args));
    }

    @Override
    public Integer call() throws Exception {
        if (!List.of("sxp", "simple", "simple0").contains(outputFormat)) {
            return Main.fail("pygrub", "--output-format=" + outputFormat + ": expected sxp, simple or simple0");
        }
        try (BlockBackend disk = BlockBackends.open(image, BlockBackends.Format.DETECT, true)) {
            Pygrub.Found found = Pygrub.scan(disk, offset);
            if (list) {
                System.out.println("Using " + found.source());
                for (BootEntry e : found.menu().entries()) {
                    System.out.println("title: " + e.title());
                    System.out.println("  kernel: " + e.kernel());
                    System.out.println("  args: " + e.args());
                    System.out.println("  initrd: " + String.join(" ", e.initrds()));
                }
                return 0;
            }
            Pygrub.Boot boot = Pygrub.load(found, new Pygrub.Choice(Optional.ofNullable(entry), Optional.ofNullable(kernel),
                    Optional.ofNullable(ramdisk), Optional.ofNullable(args)));
            String kernelFile = "(not written)";
            String ramdiskFile = boot.ramdisk().isPresent() ? "(not written)" : null;
            if (!notReally) {
                Files.createDirectories(outputDirectory);
                kernelFile = write(boot.kernel(), "boot_kernel.").toString();
                if (boot.ramdisk().isPresent()) {
                    ramdiskFile = write(boot.ramdisk().get(), "boot_ramdisk.").toString();
                }
            }
            String result = switch (outputFormat) {
                case "sxp" -> "linux (kernel " + kernelFile + ")" + (ramdiskFile != null ? "(ramdisk " + ramdiskFile + ")" : "")
                        + "(args \"" + boot.entry().args() + "\")";
                case "simple" -> "kernel " + kernelFile + "\n" + (ramdiskFile != null ? "ramdisk " + ramdiskFile + "\n" : "")
                        + "args " + boot.entry().args() + "\n";
                default -> "kernel " + kernelFile + "\0" + (ramdiskFile != null ? "ramdisk " + ramdiskFile + "\0" : "")
                        + "args " + boot.entry().args() + "\0";
            };
            if (output != null) {
                Files.writeString(output, result, StandardCharsets.UTF_8);
            } else {
                System.out.print(result);
                if (outputFormat.equals("sxp")) {
                    System.out.println();
                }
            }
            return 0;
        } catch (IOException e) {
            return Main.fail("pygrub", e.getMessage());
        }
    }

    private Path write(byte[] data, String prefix) throws IOException {
        Path f = Files.createTempFile(outputDirectory, prefix, "", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        Files.write(f, data);
        return f;
    }

}
