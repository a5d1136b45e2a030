package org.jxen.toolstack.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final FakeDomains domains = new FakeDomains();
    private final ControlApi api = new ControlApi(domains, "0.1.0");

    private ControlApi.Response call(String method, String path, String body) {
        byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        return api.handle(new HttpRequest(method, path, Map.of(), Map.of(), b));
    }

    private static JsonNode json(ControlApi.Response r) throws Exception {
        return JSON.readTree(r.body());
    }

    @Test
    void listsDomainsWithDomain0First() throws Exception {
        ControlApi.Response r = call("GET", "/v1/domains", null);
        assertThat(r.status()).isEqualTo(200);
        JsonNode a = json(r);
        assertThat(a.get(0).get("name").asText()).isEqualTo("Domain-0");
        assertThat(a.get(0).get("state").asText()).isEqualTo("r-----");
    }

    @Test
    void createsFromConfigTextWithPathsResolvedAgainstCwd() throws Exception {
        ControlApi.Response r = call("POST", "/v1/domains",
                "{\"config\": \"name = 'web'\\ntype = 'pvh'\\nkernel = 'k.elf'\\n\", \"cwd\": \"/srv/guests\", \"paused\": true}");
        assertThat(r.status()).isEqualTo(201);
        assertThat(json(r).get("name").asText()).isEqualTo("web");
        assertThat(json(r).get("domid").asInt()).isEqualTo(1);
        assertThat(domains.calls).containsExactly("create web kernel=/srv/guests/k.elf paused=true");
        assertThat(call("GET", "/v1/domains/web", null).status()).isEqualTo(200);
        assertThat(call("GET", "/v1/domains/1", null).status()).isEqualTo(200);
    }

    @Test
    void createsFromAnAbsoluteConfigFile(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("db.cfg");
        Files.writeString(cfg, "name = \"db\"\nkernel = \"vmlinuz\"\n");
        ControlApi.Response r = call("POST", "/v1/domains", "{\"config_file\": \"" + cfg + "\"}");
        assertThat(r.status()).isEqualTo(201);
        assertThat(domains.calls).containsExactly("create db kernel=" + dir.resolve("vmlinuz") + " paused=false");
    }

    @Test
    void aConfigErrorIs400WithFileLineAndColumn() throws Exception {
        ControlApi.Response r = call("POST", "/v1/domains", "{\"config\": \"name = 'x'\\nmemory = = 3\\n\", \"source\": \"web.cfg\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(json(r).get("error").asText()).startsWith("web.cfg:2:");
    }

    @Test
    void refusesBadCreateRequests() throws Exception {
        assertThat(call("POST", "/v1/domains", null).status()).isEqualTo(400);
        assertThat(json(call("POST", "/v1/domains", "{nope")).get("error").asText()).contains("not valid JSON")
                .contains("line 1");
        assertThat(json(call("POST", "/v1/domains", "[1]")).get("error").asText()).contains("JSON object");
        assertThat(json(call("POST", "/v1/domains", "{}")).get("error").asText()).contains("either");
        assertThat(json(call("POST", "/v1/domains", "{\"config\": 3}")).get("error").asText())
                .isEqualTo("\"config\" must be a string");
        assertThat(json(call("POST", "/v1/domains", "{\"config_file\": \"web.cfg\"}")).get("error").asText())
                .contains("absolute path");
        assertThat(json(call("POST", "/v1/domains", "{\"config_file\": \"/nonexistent/web.cfg\"}")).get("error").asText())
                .contains("/nonexistent/web.cfg");
    }

    @Test
    void aDuplicateNameIsAConflict() {
        call("POST", "/v1/domains", "{\"config\": \"name='a'\\nkernel='/k'\\n\"}");
        ControlApi.Response r = call("POST", "/v1/domains", "{\"config\": \"name='a'\\nkernel='/k'\\n\"}");
        assertThat(r.status()).isEqualTo(409);
    }

    @Test
    void anUnknownDomainIs404WithItsKind() throws Exception {
        ControlApi.Response r = call("DELETE", "/v1/domains/nosuch", null);
        assertThat(r.status()).isEqualTo(404);
        assertThat(json(r).get("kind").asText()).isEqualTo("NOT_FOUND");
        assertThat(json(r).get("error").asText()).contains("nosuch");
    }

    @Test
    void actionsReachTheDomains() throws Exception {
        call("POST", "/v1/domains", "{\"config\": \"name='a'\\nkernel='/k'\\n\"}");
        assertThat(call("POST", "/v1/domains/a/pause", null).status()).isEqualTo(204);
        assertThat(call("POST", "/v1/domains/a/unpause", null).status()).isEqualTo(204);
        assertThat(call("POST", "/v1/domains/a/shutdown", null).status()).isEqualTo(202);
        assertThat(call("POST", "/v1/domains/a/reboot", "{\"force\": true}").status()).isEqualTo(202);
        assertThat(call("POST", "/v1/domains/a/shutdown", "{\"wait\": -1}").status()).isEqualTo(400);
        assertThat(json(call("POST", "/v1/domains/a/rename", "{\"name\": \"b\"}")).get("name").asText()).isEqualTo("b");
        assertThat(json(call("GET", "/v1/domains/b/vcpus", null)).get(0).get("vcpu").asInt()).isEqualTo(0);
        assertThat(call("DELETE", "/v1/domains/b", null).status()).isEqualTo(204);
        assertThat(domains.calls).contains("pause a", "unpause a", "shutdown a force=false", "reboot a force=true");
        assertThat(call("GET", "/v1/domains/b", null).status()).isEqualTo(404);
    }

    @Test
    void wrongMethodIs405AndUnknownPathIs404() throws Exception {
        ControlApi.Response r = call("PUT", "/v1/domains", null);
        assertThat(r.status()).isEqualTo(405);
        assertThat(json(r).get("error").asText()).contains("GET, POST");
        assertThat(call("GET", "/v2/whatever", null).status()).isEqualTo(404);
    }

    @Test
    void hostVersionAndDmesg() throws Exception {
        assertThat(json(call("GET", "/v1/host", null)).get("nr_cpus").asText()).isEqualTo("2");
        assertThat(json(call("GET", "/v1/version", null)).get("jxen").asText()).isEqualTo("0.1.0");
        assertThat(json(call("GET", "/v1/dmesg", null)).get("dmesg").asText()).contains("started");
    }
}
