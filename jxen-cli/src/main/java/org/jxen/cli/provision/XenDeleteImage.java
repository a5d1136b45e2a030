package org.jxen.cli.provision;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import org.jxen.provision.image.Manifest;
import org.jxen.provision.image.RunningDomains;
import org.jxen.provision.image.XlConfigWriter;
import org.jxen.toolstack.daemon.JxendPaths;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code xen-delete-image}: removes what xen-create-image made for a guest, and nothing else. */
@Command(name = "xen-delete-image", mixinStandardHelpOptions = true, version = "xen-delete-image (jxen) 0.1.0",
        sortOptions = false, usageHelpAutoWidth = true,
        header = "Delete guest images that xen-create-image made.",
        description = {"Removes the files listed in the image's record (DIR/domains/HOSTNAME/.jxen-created): its disk "
                + "and swap images, the kernel and initrd copied beside them, and its xl config if that still carries "
                + "xen-create-image's mark; then the directory if nothing else is in it. Files it did not make stay.",
            "",
            "It refuses a guest that is running (asked of jxend, without starting one) and a template that clones "
                    + "still use."},
        descriptionHeading = "%n", optionListHeading = "%nOptions%n",
        exitCodeListHeading = "%nExit status%n", exitCodeList = {"0:every image named was deleted",
            "1:one or more were not (each says why)"})
public final class XenDeleteImage implements Callable<Integer> {
    @Parameters(paramLabel = "HOSTNAME", arity = "0..*", description = "The images to delete.")
    List<String> names = new ArrayList<>();

    @Option(names = "--hostname", paramLabel = "NAME", description = "An image to delete (repeatable).")
    List<String> hostnames = new ArrayList<>();

    @Option(names = "--dir", paramLabel = "DIR", description = "Where the images are (default: dir = in xen-tools.conf).")
    String dir;

    @Option(names = "--config", paramLabel = "FILE", description = "Read settings from FILE after /etc/xen-tools/xen-tools.conf.")
    Path config;

    @Option(names = "--dry-run", description = "Say what would be removed; remove nothing.")
    boolean dryRun;

    @Option(names = "--verbose", description = "Name each file as it is removed.")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(Main.run("xen-delete-image", new XenDeleteImage(), args));
    }

    @Override
    public Integer call() throws Exception {
        List<String> all = new ArrayList<>(hostnames);
        all.addAll(names);
        if (all.isEmpty()) {
            return Main.fail("xen-delete-image", "name the images to delete (xen-delete-image --dir DIR HOSTNAME...)");
        }
        Path d;
        try {
            d = XenListImages.imagesDir(dir, config);
        } catch (IllegalArgumentException e) {
            return Main.fail("xen-delete-image", e.getMessage());
        }
        RunningDomains running = new RunningDomains(JxendPaths.fromEnvironment(System.getenv()).apiSocket());
        int status = 0;
        for (String name : all) {
            String why = delete(d, name, running);
            if (why != null) {
                System.err.println("xen-delete-image: " + why);
                status = 1;
            }
        }
        return status;
    }

    /** Deletes one image; the reason when it does not. */
    private String delete(Path d, String name, RunningDomains running) throws Exception {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9.-]*")) {
            return name + " is not a host name";
        }
        Path imageDir = d.resolve("domains").resolve(name);
        Optional<Manifest> m = Manifest.read(imageDir);
        if (m.isEmpty()) {
            return "no image " + name + " made by xen-create-image in " + d.resolve("domains");
        }
        if (running.exists(name)) {
            return "domain " + name + " is running: shut it down first (xl shutdown -w " + name + ")";
        }
        List<String> clones = Manifest.all(d).stream().filter(o -> o.backing().filter(name::equals).isPresent())
                .map(Manifest::hostname).toList();
        if (!clones.isEmpty()) {
            return "template " + name + " is the base of " + String.join(", ", clones) + ": delete those first";
        }
        for (Path f : m.get().files()) {
            if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            if (m.get().config().filter(f::equals).isPresent() && !ours(f)) {
                System.out.println("keeping " + f + ": it is no longer the config xen-create-image wrote");
                continue;
            }
            if (!f.startsWith(imageDir) && !m.get().config().filter(f::equals).isPresent()) {
                System.out.println("keeping " + f + ": outside " + imageDir);
                continue;
            }
            if (dryRun || verbose) {
                System.out.println((dryRun ? "would remove " : "removing ") + f);
            }
            if (!dryRun) {
                Files.delete(f);
            }
        }
        if (dryRun) {
            System.out.println("would remove " + imageDir.resolve(Manifest.NAME));
            return null;
        }
        Files.deleteIfExists(imageDir.resolve(Manifest.NAME));
        try (Stream<Path> s = Files.list(imageDir)) {
            if (s.findAny().isEmpty()) {
                Files.delete(imageDir);
            } else {
                System.out.println("keeping " + imageDir + ": it holds files xen-create-image did not make");
            }
        }
        return null;
    }

    private static boolean ours(Path config) {
        try {
            return Files.readString(config, StandardCharsets.UTF_8).contains(XlConfigWriter.MARKER);
        } catch (java.io.IOException e) {
            return false;
        }
    }

}
