package org.jxen.toolstack.domain;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where jxend keeps one record per domain (DESIGN.md, "State, and beyond one host"): today one
 * JSON file per domain under {@code $JXEN_STATEDIR/domains/DOMID.json}, each written whole and
 * renamed into place, so a crash never leaves half a record. A pool of hosts would put the same
 * records in a distributed store behind this same interface.
 */
public interface DomainRecords {
    /** What a record holds: enough to say, after a restart of jxend, what did not survive. */
    record Record(int domid, String name, String uuid, String created, String configFile) {}

    void save(Record r) throws IOException;

    void remove(int domid) throws IOException;

    /** Every record present (a damaged one is reported by {@code damaged} and skipped). */
    List<Record> all(java.util.function.Consumer<String> damaged) throws IOException;

    /** The file store under {@code dir}. */
    static DomainRecords inDirectory(Path dir) {
        return new Files_(dir);
    }

    /** One JSON file per domain. */
    final class Files_ implements DomainRecords {
        private static final ObjectMapper JSON = new ObjectMapper();
        private final Path dir;

        Files_(Path dir) {
            this.dir = dir;
        }

        private Path file(int domid) {
            return dir.resolve(domid + ".json");
        }

        @Override
        public void save(Record r) throws IOException {
            Files.createDirectories(dir);
            ObjectNode o = JSON.createObjectNode().put("domid", r.domid()).put("name", r.name()).put("uuid", r.uuid())
                    .put("created", r.created());
            if (r.configFile() != null) {
                o.put("config_file", r.configFile());
            }
            Path tmp = dir.resolve(r.domid() + ".json.tmp");
            Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(o));
            try {
                Files.move(tmp, file(r.domid()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file(r.domid()), StandardCopyOption.REPLACE_EXISTING);
            }
        }

        @Override
        public void remove(int domid) throws IOException {
            Files.deleteIfExists(file(domid));
        }

        @Override
        public List<Record> all(java.util.function.Consumer<String> damaged) throws IOException {
            List<Record> out = new ArrayList<>();
            if (!Files.isDirectory(dir)) {
                return out;
            }
            try (var files = Files.list(dir)) {
                for (Path p : files.filter(f -> f.getFileName().toString().matches("\\d+\\.json")).sorted().toList()) {
                    try {
                        JsonNode n = JSON.readTree(p.toFile());
                        out.add(new Record(n.get("domid").asInt(), n.get("name").asText(), n.path("uuid").asText(""),
                                n.path("created").asText(""), n.hasNonNull("config_file") ? n.get("config_file").asText() : null));
                    } catch (IOException | RuntimeException e) {
                        damaged.accept(p + ": " + e.getMessage());
                    }
                }
            }
            return out;
        }
    }
}
