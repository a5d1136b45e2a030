package org.jxen.provision.bootloader;

import java.util.ArrayList;
import java.util.List;

/**
 * A GRUB menu read from its configuration: GRUB 2's {@code grub.cfg} ({@code menuentry} and
 * {@code submenu} blocks with {@code linux}/{@code initrd} commands, {@code set default=}) or
 * GRUB legacy's {@code menu.lst} ({@code title}, {@code kernel}, {@code initrd},
 * {@code default}), as pygrub reads them. Only what picks a kernel is understood; scripting
 * ({@code if}, {@code insmod}, {@code search}, variables other than in {@code default}) is
 * passed over. Entries of a submenu are listed after its title as {@code "Sub>Entry"}, and a
 * default of {@code "1>2"} names the third entry of the second top-level item, as GRUB does.
 *
 * @param defaultIndex the index in {@link #entries()} of the default entry (0 when the config
 *     names none, or names one that is not there)
 */
public record GrubMenu(List<BootEntry> entries, int defaultIndex) {
    public GrubMenu {
        entries = List.copyOf(entries);
    }

    /** Reads a GRUB 2 {@code grub.cfg}. */
    public static GrubMenu parseGrub2(String text) {
        List<BootEntry> entries = new ArrayList<>();
        // The top-level item path of each entry ("1>2"), to resolve a default given that way.
        List<String> paths = new ArrayList<>();
        String defaultSpec = null;
        List<String> submenu = new ArrayList<>();
        List<Integer> itemCounter = new ArrayList<>(List.of(0));
        List<String> submenuPath = new ArrayList<>();
        String title = null;
        String kernel = null;
        String args = "";
        List<String> initrds = new ArrayList<>();
        int depthInEntry = 0;
        // Braces that open blocks the parser does not care about (if/function bodies are not braces in GRUB,
        // but "function name {" is).
        for (String raw : text.split("\n")) {
            List<String> w = words(raw);
            if (w.isEmpty()) {
                continue;
            }
            String cmd = w.get(0);
            if (title != null) {
                if (cmd.equals("}") && depthInEntry == 0) {
                    if (kernel != null) {
                        entries.add(new BootEntry(title, kernel, initrds, args));
                        paths.add(String.join(">", submenuPath) + (submenuPath.isEmpty() ? "" : ">")
                                + (itemCounter.get(itemCounter.size() - 1) - 1));
                    }
                    title = null;
                    continue;
                }
                if (w.get(w.size() - 1).equals("{")) {
                    depthInEntry++;
                } else if (cmd.equals("}")) {
                    depthInEntry--;
                }
                switch (cmd) {
                    case "linux", "linux16", "linuxefi", "kernel" -> {
                        if (w.size() > 1) {
                            kernel = stripDevice(w.get(1));
                            args = String.join(" ", w.subList(2, w.size()));
                        }
                    }
                    case "initrd", "initrd16", "initrdefi" -> {
                        initrds.clear();
                        for (String p : w.subList(1, w.size())) {
                            initrds.add(stripDevice(p));
                        }
                    }
                    default -> { }
                }
                continue;
            }
            switch (cmd) {
                case "menuentry" -> {
                    title = w.size() > 1 ? w.get(1) : "";
                    kernel = null;
                    args = "";
                    initrds = new ArrayList<>();
                    depthInEntry = 0;
                    int last = itemCounter.size() - 1;
                    itemCounter.set(last, itemCounter.get(last) + 1);
                    if (!submenu.isEmpty()) {
                        title = String.join(">", submenu) + ">" + title;
                    }
                }
                case "submenu" -> {
                    int last = itemCounter.size() - 1;
                    submenuPath.add(Integer.toString(itemCounter.get(last)));
                    itemCounter.set(last, itemCounter.get(last) + 1);
                    itemCounter.add(0);
                    submenu.add(w.size() > 1 ? w.get(1) : "");
                }
                case "}" -> {
                    if (!submenu.isEmpty()) {
                        submenu.remove(submenu.size() - 1);
                        submenuPath.remove(submenuPath.size() - 1);
                        itemCounter.remove(itemCounter.size() - 1);
                    }
                }
                case "set" -> {
                    if (w.size() > 1 && w.get(1).startsWith("default=")) {
                        defaultSpec = w.get(1).substring("default=".length());
                    }
                }
                default -> { }
            }
        }
        return new GrubMenu(entries, resolveDefault(defaultSpec, entries, paths));
    }

    /** Reads a GRUB legacy {@code menu.lst} (or {@code grub.conf}). */
    public static GrubMenu parseLegacy(String text) {
        List<BootEntry> entries = new ArrayList<>();
        String defaultSpec = null;
        String title = null;
        String kernel = null;
        String args = "";
        List<String> initrds = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] kv = line.split("[ \t=]+", 2);
            String key = kv[0];
            String value = kv.length > 1 ? kv[1].strip() : "";
            switch (key) {
                case "title" -> {
                    if (title != null && kernel != null) {
                        entries.add(new BootEntry(title, kernel, initrds, args));
                    }
                    title = value;
                    kernel = null;
                    args = "";
                    initrds = new ArrayList<>();
                }
                case "kernel" -> {
                    String[] ka = value.split("\\s+", 2);
                    kernel = stripDevice(ka[0]);
                    args = ka.length > 1 ? ka[1] : "";
                }
                case "initrd" -> initrds = new ArrayList<>(List.of(stripDevice(value.split("\\s+")[0])));
                case "default" -> defaultSpec = value;
                default -> { }
            }
        }
        if (title != null && kernel != null) {
            entries.add(new BootEntry(title, kernel, initrds, args));
        }
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            paths.add(Integer.toString(i));
        }
        return new GrubMenu(entries, resolveDefault(defaultSpec, entries, paths));
    }

    private static int resolveDefault(String spec, List<BootEntry> entries, List<String> paths) {
        if (spec == null || spec.isEmpty() || spec.startsWith("$")) {
            return 0; // ${saved_entry} and friends: GRUB's own state, not in the file; GRUB falls back to 0.
        }
        int byPath = paths.indexOf(spec);
        if (byPath >= 0) {
            return byPath;
        }
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).title().equals(spec)) {
                return i;
            }
        }
        return 0;
    }

    /** GRUB's {@code (hd0,msdos1)/boot/vmlinuz} or {@code ($root)/vmlinuz}: the path in the filesystem. */
    static String stripDevice(String path) {
        if (path.startsWith("(")) {
            int close = path.indexOf(')');
            if (close > 0) {
                String rest = path.substring(close + 1);
                return rest.isEmpty() ? "/" : rest;
            }
        }
        return path;
    }

    /**
     * Splits a grub.cfg line into words as GRUB's shell-like lexer does: single quotes keep
     * everything, double quotes keep everything but backslash escapes, {@code #} at the start
     * of a word begins a comment.
     */
    static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = null;
        int i = 0;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (Character.isWhitespace(c)) {
                if (cur != null) {
                    out.add(cur.toString());
                    cur = null;
                }
                i++;
                continue;
            }
            if (c == '#' && cur == null) {
                break;
            }
            if (cur == null) {
                cur = new StringBuilder();
            }
            if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                end = end < 0 ? n : end;
                cur.append(line, i + 1, end);
                i = end + 1;
            } else if (c == '"') {
                i++;
                while (i < n && line.charAt(i) != '"') {
                    if (line.charAt(i) == '\\' && i + 1 < n) {
                        i++;
                    }
                    cur.append(line.charAt(i));
                    i++;
                }
                i++;
            } else if (c == '\\' && i + 1 < n) {
                cur.append(line.charAt(i + 1));
                i += 2;
            } else {
                cur.append(c);
                i++;
            }
        }
        if (cur != null) {
            out.add(cur.toString());
        }
        return out;
    }
}
