package org.jxen.cli.provision;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.jxen.provision.image.Manifest;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code xen-list-images}: the images xen-create-image made, in xen-tools' format. */
@Command(name = "xen-list-images", mixinStandardHelpOptions = true, version = "xen-list-images (jxen) 0.1.0",
        sortOptions = false, usageHelpAutoWidth = true,
        header = "List the guest images xen-create-image made.",
        description = {"For each image under DIR/domains that jxen's xen-create-image made: its name, memory, "
                + "network (a static address, or DHCP) with the MAC, and its config, as xen-tools prints them; "
                + "templates and the clones of a template say so."},
        descriptionHeading = "%n", optionListHeading = "%nOptions%n")
public final class XenListImages implements Callable<Integer> {
    @Option(names = "--dir", paramLabel = "DIR", description = "Where the images are (default: dir = in xen-tools.conf).")
    String dir;

    @Option(names = "--config", paramLabel = "FILE", description = "Read settings from FILE after /etc/xen-tools/xen-tools.conf.")
    Path config;

    public static void main(String[] args) {
        System.exit(Main.run("xen-list-images", new XenListImages(), args));
    }

    static Path imagesDir(String dir, Path config) throws java.io.IOException {
        Map<String, String> s = Main.settings(config);
        if (dir != null) {
            s.put("dir", dir);
        }
        String d = s.get("dir");
        if (d == null || d.isEmpty()) {
            throw new IllegalArgumentException("give --dir (or dir = in xen-tools.conf): where the images are");
        }
        return Path.of(d);
    }

    @Override
    public Integer call() throws Exception {
        Path d;
        try {
            d = imagesDir(dir, config);
        } catch (IllegalArgumentException e) {
            return Main.fail("xen-list-images", e.getMessage());
        }
        List<Manifest> all = Manifest.all(d);
        boolean first = true;
        for (Manifest m : all) {
            if (!first) {
                System.out.println();
            }
            first = false;
            System.out.println("Name: " + m.hostname());
            System.out.println("Memory: " + m.memoryMib() + " MB");
            String mac = m.mac().isEmpty() ? "" : " [MAC: " + m.mac() + "]";
            if (m.network().equals("dhcp")) {
                System.out.println("DHCP" + mac);
            } else {
                System.out.println("IP: " + m.network().replaceAll("/\\d+$", "") + mac);
            }
            if (m.template()) {
                System.out.println("Template: yes");
            }
            m.backing().ifPresent(b -> System.out.println("Clone of: " + b));
            System.out.println("Config: " + m.config().map(Path::toString).orElse("(none: a template)"));
        }
        return 0;
    }
}
