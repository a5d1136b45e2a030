package org.jxen.provision.image;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The build's log, where xen-tools keeps it ({@code /var/log/xen-tools/HOSTNAME.log}): every
 * command, its output, and each step, with the time. Appended to, as xen-tools does.
 */
public final class BuildLog implements AutoCloseable {
    public static final Path DEFAULT_DIR = Path.of("/var/log/xen-tools");

    private final Path file;
    private final Writer out;

    private BuildLog(Path file, Writer out) {
        this.file = file;
        this.out = out;
    }

    /** Opens {@code dir/HOSTNAME.log}; a null dir is a log that keeps nothing (dry runs). */
    public static BuildLog open(Path dir, String hostname) throws IOException {
        if (dir == null) {
            return new BuildLog(null, Writer.nullWriter());
        }
        try {
            Files.createDirectories(dir);
            Path f = dir.resolve(hostname + ".log");
            return new BuildLog(f, Files.newBufferedWriter(f, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND));
        } catch (IOException e) {
            throw new IOException("cannot write the log in " + dir + ": " + e.getMessage()
                    + " (run as root, or set JXEN_XEN_TOOLS_LOGDIR)", e);
        }
    }

    public Path file() {
        return file;
    }

    public synchronized void line(String s) {
        try {
            out.write(s);
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            // A log that cannot be written does not stop the build; the terminal still shows the steps.
        }
    }

    public void step(String s) {
        line("[" + LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME) + "] " + s);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
