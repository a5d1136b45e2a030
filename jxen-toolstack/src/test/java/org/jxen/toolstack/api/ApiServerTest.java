package org.jxen.toolstack.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API over its real socket, driven by curl as a user would. */
class ApiServerTest {
    @TempDir
    Path dir;
    private ApiServer server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private static boolean has(String tool) {
        return Files.isExecutable(Path.of("/usr/bin", tool));
    }

    private record Result(int exit, String out) {}

    private static Result run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    private static List<String> curl(Path socket, String... args) {
        List<String> c = new ArrayList<>(List.of("curl", "-sS", "--unix-socket", socket.toString(), "-w", "\n%{http_code}"));
        c.addAll(List.of(args));
        return c;
    }

    @Test
    void curlListsDomainsAndCreatesOne() throws Exception {
        assumeTrue(has("curl"), "curl is not installed");
        server = ApiServer.start(dir.resolve("jxend.sock"), new ControlApi(new FakeDomains(), "0.1.0"), Optional.empty());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(server.path()))).isEqualTo("rw-------");
        Result list = run(curl(server.path(), "http://localhost/v1/domains"));
        assertThat(list.out()).contains("\"Domain-0\"").endsWith("\n200");
        // Two requests on one connection (keep-alive), the second a create with a body.
        Result create = run(curl(server.path(), "http://localhost/v1/version", "--next", "--unix-socket",
                server.path().toString(), "-w", "\n%{http_code}", "-H", "Content-Type: application/json",
                "-d", "{\"config\": \"name='web'\\nkernel='/k'\\n\"}", "http://localhost/v1/domains"));
        assertThat(create.out()).contains("\"api\" : \"v1\"").contains("\"name\" : \"web\"").endsWith("\n201");
    }

    @Test
    void aMalformedRequestGetsA400AndTheServerCarriesOn() throws Exception {
        assumeTrue(has("curl"), "curl is not installed");
        server = ApiServer.start(dir.resolve("jxend.sock"), new ControlApi(new FakeDomains(), "0.1.0"), Optional.empty());
        try (var ch = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(server.path()))) {
            ch.write(java.nio.ByteBuffer.wrap("BROKEN\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            String reply = new String(java.nio.channels.Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
            assertThat(reply).startsWith("HTTP/1.1 400 Bad Request").contains("malformed request line");
        }
        assertThat(run(curl(server.path(), "http://localhost/v1/domains")).out()).endsWith("\n200");
    }

    /** curl sends its request at once; the 503 must still reach it every time, not a reset. */
    @Test
    void curlPastTheLimitAlwaysReadsThe503() throws Exception {
        assumeTrue(has("curl"), "curl is not installed");
        server = ApiServer.start(dir.resolve("jxend.sock"), new ControlApi(new FakeDomains(), "0.1.0"), Optional.empty(), 1);
        try (var held = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(server.path()))) {
            held.write(java.nio.ByteBuffer.wrap("GET /v1/version HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            held.read(java.nio.ByteBuffer.allocate(4096));
            for (int i = 0; i < 20; i++) {
                Result r = run(curl(server.path(), "http://localhost/v1/domains"));
                assertThat(r.out()).as("attempt " + i).contains("at most 1 API connections").endsWith("\n503");
            }
        }
    }

    @Test
    void pastItsConnectionLimitTheServerSaysSoAndServesTheOthers() throws Exception {
        server = ApiServer.start(dir.resolve("jxend.sock"), new ControlApi(new FakeDomains(), "0.1.0"), Optional.empty(), 2);
        var addr = java.net.UnixDomainSocketAddress.of(server.path());
        try (var a = java.nio.channels.SocketChannel.open(addr); var b = java.nio.channels.SocketChannel.open(addr)) {
            // Both held open (keep-alive); a first request on each makes sure the server counts them.
            for (var ch : List.of(a, b)) {
                ch.write(java.nio.ByteBuffer.wrap("GET /v1/version HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4096);
                ch.read(buf);
                assertThat(new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
            }
            try (var c = java.nio.channels.SocketChannel.open(addr)) {
                String reply = new String(java.nio.channels.Channels.newInputStream(c).readAllBytes(), StandardCharsets.UTF_8);
                assertThat(reply).startsWith("HTTP/1.1 503").contains("at most 2 API connections");
            }
        }
    }

    @Test
    void aUserWithoutAccessGetsAClearRefusal() throws Exception {
        assumeTrue(has("curl") && has("setpriv"), "curl or setpriv is not installed");
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to run curl as another user");
        server = ApiServer.start(dir.resolve("jxend.sock"), new ControlApi(new FakeDomains(), "0.1.0"), Optional.empty());
        // Past the file mode (as if an administrator had opened it up), the peer check still holds.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(server.path(), PosixFilePermissions.fromString("rw-rw-rw-"));
        List<String> c = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
        c.addAll(curl(server.path(), "http://localhost/v1/domains"));
        Result r = run(c);
        // If curl cannot connect at all, say what the socket and its directory looked like then.
        String seen = Files.exists(server.path()) ? PosixFilePermissions.toString(Files.getPosixFilePermissions(server.path()))
                + " socket in a " + PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)) + " directory" : "no socket";
        assertThat(r.out()).as(seen).contains("permission denied: user nobody may not use jxend").endsWith("\n403");
    }

    @Test
    void refusesASecondServerOnALiveSocketAndReplacesAStaleOne() throws Exception {
        Path sock = dir.resolve("jxend.sock");
        server = ApiServer.start(sock, new ControlApi(new FakeDomains(), "0.1.0"), Optional.empty());
        assertThatThrownBy(() -> ApiServer.start(sock, new ControlApi(new FakeDomains(), "0.1.0"), Optional.empty()))
                .hasMessage("another jxend is already listening on " + sock);
        server.close();
        assertThat(sock).doesNotExist();
        // A socket file left by a killed daemon: nobody answers, so it is replaced.
        try (var ch = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.bind(java.net.UnixDomainSocketAddress.of(sock));
        }
        assertThat(sock).exists();
        server = ApiServer.start(sock, new ControlApi(new FakeDomains(), "0.1.0"), Optional.empty());
        Files.writeString(dir.resolve("file"), "x");
        assertThatThrownBy(() -> ApiServer.start(dir.resolve("file"), new ControlApi(new FakeDomains(), "0.1.0"), Optional.empty()))
                .hasMessageContaining("exists and is not a socket");
    }
}
