package org.jxen.toolstack.api;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jxen.toolstack.config.ConfigException;
import org.jxen.toolstack.config.DomainConfigSpec;
import org.jxen.toolstack.config.XlConfig;
import org.jxen.toolstack.domain.CreateOptions;
import org.jxen.toolstack.domain.DomainException;
import org.jxen.toolstack.domain.DomainInfo;
import org.jxen.toolstack.domain.Domains;
import org.jxen.toolstack.domain.VcpuInfo;

/**
 * The control API's routes (docs/API.md): each one a method, a path pattern and a handler over
 * {@link Domains}, in one table. A handler returns the status and the JSON body; a refused
 * request is an {@link HttpException}, a failed domain operation a {@link DomainException}
 * mapped to a status in {@link #status(DomainException.Kind)}.
 *
 * <p>Runs on connection threads, many at once; {@link Domains} is thread-safe.
 */
public final class ControlApi {
    /** Version of the API; the first path element. */
    public static final String VERSION = "v1";
    /** Longest {@code wait} a shutdown request may ask for, in seconds. */
    static final int MAX_WAIT_SECONDS = 3600;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DOMAIN = "/v1/domains/([^/]+)";

    private final Domains domains;
    private final String version;
    private final List<Route> routes = List.of(
            new Route("GET", "/v1/version", (r, m) -> ok(JSON.createObjectNode().put("jxen", version()).put("api", VERSION))),
            new Route("GET", "/v1/host", (r, m) -> ok(JSON.valueToTree(hostInfo()))),
            new Route("GET", "/v1/dmesg", (r, m) -> ok(JSON.createObjectNode().put("dmesg", domains().dmesg(false)))),
            new Route("DELETE", "/v1/dmesg", (r, m) -> ok(JSON.createObjectNode().put("dmesg", domains().dmesg(true)))),
            new Route("GET", "/v1/domains", (r, m) -> ok(domainList())),
            new Route("POST", "/v1/domains", (r, m) -> create(r)),
            new Route("GET", DOMAIN, (r, m) -> ok(domainJson(domains().find(m.group(1))))),
            new Route("DELETE", DOMAIN, (r, m) -> {
                domains().destroy(m.group(1));
                return noContent();
            }),
            new Route("POST", DOMAIN + "/shutdown", (r, m) -> shutdown(r, m.group(1), false)),
            new Route("POST", DOMAIN + "/reboot", (r, m) -> shutdown(r, m.group(1), true)),
            new Route("POST", DOMAIN + "/pause", (r, m) -> {
                domains().pause(m.group(1));
                return noContent();
            }),
            new Route("POST", DOMAIN + "/unpause", (r, m) -> {
                domains().unpause(m.group(1));
                return noContent();
            }),
            new Route("POST", DOMAIN + "/rename", (r, m) -> {
                String name = requiredText(body(r), "name");
                domains().rename(m.group(1), name);
                return ok(domainJson(domains().find(name)));
            }),
            new Route("GET", DOMAIN + "/vcpus", (r, m) -> ok(vcpuList(domains().vcpus(m.group(1))))));

    public ControlApi(Domains domains, String version) {
        this.domains = domains;
        this.version = version;
    }

    /** What a handler returns: the status and the body (empty for 204). */
    public record Response(int status, byte[] body) {}

    @FunctionalInterface
    private interface Handler {
        Response handle(HttpRequest request, Matcher match) throws HttpException, DomainException;
    }

    private record Route(String method, Pattern path, Handler handler) {
        Route(String method, String path, Handler handler) {
            this(method, Pattern.compile(path), handler);
        }
    }

    /** Answers one request; never throws (a bug in a handler is a 500 with its message). */
    public Response handle(HttpRequest request) {
        boolean pathKnown = false;
        for (Route route : routes) {
            Matcher m = route.path.matcher(request.path());
            if (!m.matches()) {
                continue;
            }
            pathKnown = true;
            if (!route.method.equals(request.method())) {
                continue;
            }
            try {
                return route.handler.handle(request, m);
            } catch (HttpException e) {
                return error(e.status(), e.getMessage(), null);
            } catch (DomainException e) {
                return error(status(e.kind()), e.getMessage(), e.kind().name());
            } catch (RuntimeException e) {
                return error(500, "internal error: " + e, null);
            }
        }
        if (pathKnown) {
            return error(405, request.method() + " is not allowed on " + request.path() + " (allowed: "
                    + String.join(", ", routes.stream().filter(r -> r.path.matcher(request.path()).matches())
                            .map(Route::method).toList()) + ")", null);
        }
        return error(404, "no such resource: " + request.path() + " (see docs/API.md)", null);
    }

    /** The HTTP status for a failed domain operation. */
    static int status(DomainException.Kind kind) {
        return switch (kind) {
            case NOT_FOUND -> 404;
            case INVALID -> 400;
            case EXISTS -> 409;
            case UNSUPPORTED -> 501;
            case FAILED -> 500;
        };
    }

    /** The error body every refusal has: {@code {"error": "...", "kind": "NOT_FOUND"}}. */
    public static Response error(int status, String message, String kind) {
        ObjectNode o = JSON.createObjectNode().put("error", message);
        if (kind != null) {
            o.put("kind", kind);
        }
        return new Response(status, bytes(o));
    }

    private Domains domains() {
        return domains;
    }

    private String version() {
        return version;
    }

    private Map<String, String> hostInfo() {
        return domains.hostInfo();
    }

    private Response create(HttpRequest r) throws HttpException, DomainException {
        JsonNode b = body(r);
        Optional<String> text = optionalText(b, "config");
        Optional<String> file = optionalText(b, "config_file");
        if (text.isPresent() == file.isPresent()) {
            throw new HttpException(400, "give either \"config\" (the text of an xl config) or \"config_file\" (an absolute path)");
        }
        Path dir;
        XlConfig config;
        try {
            if (file.isPresent()) {
                Path p = Path.of(file.get());
                if (!p.isAbsolute()) {
                    throw new HttpException(400, "\"config_file\" must be an absolute path (the daemon has no working directory of yours): "
                            + file.get());
                }
                config = XlConfig.read(p);
                dir = p.getParent();
            } else {
                String source = optionalText(b, "source").orElse("request");
                config = XlConfig.parse(source, text.get());
                dir = Path.of(optionalText(b, "cwd").orElse("/"));
                if (!dir.isAbsolute()) {
                    throw new HttpException(400, "\"cwd\" must be an absolute path: " + dir);
                }
            }
            DomainConfigSpec spec = DomainConfigSpec.from(config).resolvedAgainst(dir);
            boolean paused = b.path("paused").asBoolean(false);
            DomainInfo d = domains.create(spec, new CreateOptions(paused, file.map(Path::of)));
            ObjectNode o = domainJson(d);
            ArrayNode w = o.putArray("warnings");
            domains.warnings(spec).forEach(w::add);
            return new Response(201, bytes(o));
        } catch (ConfigException e) {
            throw new HttpException(400, e.getMessage());
        }
    }

    private Response shutdown(HttpRequest r, String domSpec, boolean reboot) throws HttpException, DomainException {
        JsonNode b = r.body().length == 0 ? JSON.createObjectNode() : body(r);
        boolean force = b.path("force").asBoolean(false);
        int wait = b.path("wait").asInt(0);
        if (wait < 0 || wait > MAX_WAIT_SECONDS) {
            throw new HttpException(400, "\"wait\" is " + wait + " (expected: seconds from 0 to " + MAX_WAIT_SECONDS + ")");
        }
        int domid = domains.find(domSpec).domid();
        domains.shutdown(domSpec, reboot, force);
        if (wait == 0) {
            return new Response(202, new byte[0]);
        }
        try {
            domains.gone(domid).get(wait, TimeUnit.SECONDS);
            return noContent();
        } catch (TimeoutException e) {
            return error(504, "domain " + domid + " is still there after " + wait + " s", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error(503, "jxend is stopping", null);
        } catch (ExecutionException e) {
            return error(500, "waiting for domain " + domid + " failed: " + e.getCause(), null);
        }
    }

    private ArrayNode domainList() {
        ArrayNode a = JSON.createArrayNode();
        domains.list().forEach(d -> a.add(domainJson(d)));
        return a;
    }

    static ObjectNode domainJson(DomainInfo d) {
        ObjectNode o = JSON.createObjectNode();
        o.put("domid", d.domid());
        o.put("name", d.name());
        o.put("uuid", d.uuid().toString());
        o.put("memory_mib", d.memoryMiB());
        o.put("max_memory_mib", d.maxMemoryMiB());
        o.put("vcpus", d.vcpus());
        o.put("max_vcpus", d.maxVcpus());
        o.put("state", d.stateLetters());
        o.put("cpu_time", Math.round(d.cpuSeconds() * 1000) / 1000.0);
        o.put("created", d.created().toString());
        d.shutdownReason().ifPresent(s -> o.put("shutdown_reason", s));
        return o;
    }

    private static ArrayNode vcpuList(List<VcpuInfo> vcpus) {
        ArrayNode a = JSON.createArrayNode();
        for (VcpuInfo v : vcpus) {
            a.addObject().put("domid", v.domid()).put("name", v.name()).put("vcpu", v.vcpu()).put("cpu", v.cpu())
                    .put("state", String.valueOf(v.state())).put("cpu_time", v.cpuSeconds())
                    .put("hard_affinity", v.hardAffinity().toString()).put("soft_affinity", v.softAffinity().toString());
        }
        return a;
    }

    private static JsonNode body(HttpRequest r) throws HttpException {
        String type = r.headers().getOrDefault("content-type", "application/json");
        if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new HttpException(415, "the body must be JSON (Content-Type: application/json), not " + HttpCodec.printable(type));
        }
        if (r.body().length == 0) {
            throw new HttpException(400, "this request needs a JSON object as its body");
        }
        try {
            JsonNode n = JSON.readTree(r.body());
            if (n == null || !n.isObject()) {
                throw new HttpException(400, "the body must be a JSON object");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new HttpException(400, "the body is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr() + ")" : ""));
        } catch (java.io.IOException e) {
            throw new HttpException(400, "the body cannot be read: " + e.getMessage());
        }
    }

    private static Optional<String> optionalText(JsonNode b, String field) throws HttpException {
        JsonNode n = b.get(field);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isTextual()) {
            throw new HttpException(400, "\"" + field + "\" must be a string");
        }
        return Optional.of(n.asText());
    }

    private static String requiredText(JsonNode b, String field) throws HttpException {
        return optionalText(b, field).orElseThrow(() -> new HttpException(400, "\"" + field + "\" is missing"));
    }

    private static Response ok(JsonNode n) {
        return new Response(200, bytes(n));
    }

    private static Response noContent() {
        return new Response(204, new byte[0]);
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
