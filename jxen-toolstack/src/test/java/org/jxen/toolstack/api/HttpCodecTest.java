package org.jxen.toolstack.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

class HttpCodecTest {
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();

    private HttpRequest read(String text) throws Exception {
        return HttpCodec.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)), sent);
    }

    private static int status(ThrowingRead r) {
        try {
            r.run();
        } catch (HttpException e) {
            return e.status();
        } catch (Exception e) {
            return -1;
        }
        return 0;
    }

    interface ThrowingRead {
        void run() throws Exception;
    }

    @Test
    void readsARequestWithQueryHeadersAndBody() throws Exception {
        HttpRequest r = read("POST /v1/domains/web%2D1/shutdown?wait=5&x HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/v1/domains/web-1/shutdown");
        assertThat(r.query()).containsEntry("wait", "5").containsEntry("x", "");
        assertThat(r.headers()).containsEntry("content-type", "application/json");
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("{}");
        assertThat(r.keepAlive()).isTrue();
    }

    @Test
    void aPlusInAPathIsAPlus() throws Exception {
        assertThat(read("GET /v1/domains/a+b HTTP/1.1\r\n\r\n").path()).isEqualTo("/v1/domains/a+b");
    }

    @Test
    void http10AndConnectionCloseEndTheConnection() throws Exception {
        assertThat(read("GET / HTTP/1.0\r\n\r\n").keepAlive()).isFalse();
        assertThat(read("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").keepAlive()).isFalse();
    }

    @Test
    void answersExpectContinueBeforeReadingTheBody() throws Exception {
        read("POST /v1/domains HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx");
        assertThat(sent.toString(StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
    }

    @Test
    void aCleanEndBetweenRequestsIsNull() throws Exception {
        assertThat(read("")).isNull();
    }

    @Test
    void refusesMalformedAndOversizedRequests() {
        assertThat(status(() -> read("GET /\r\n\r\n"))).isEqualTo(400);
        assertThat(status(() -> read("GET / HTTP/2\r\n\r\n"))).isEqualTo(505);
        assertThat(status(() -> read("GET / HTTP/1.1\r\nno colon\r\n\r\n"))).isEqualTo(400);
        assertThat(status(() -> read("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"))).isEqualTo(400);
        assertThat(status(() -> read("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"))).isEqualTo(400);
        assertThat(status(() -> read("POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n"))).isEqualTo(413);
        assertThat(status(() -> read("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"))).isEqualTo(501);
        assertThat(status(() -> read("GET /" + "a".repeat(HttpCodec.MAX_LINE) + " HTTP/1.1\r\n\r\n"))).isEqualTo(414);
        assertThat(status(() -> read("GET / HTTP/1.1\r\nX: " + "a".repeat(HttpCodec.MAX_LINE) + "\r\n\r\n"))).isEqualTo(431);
        assertThat(status(() -> read("GET / HTTP/1.1\r\n" + "X: y\r\n".repeat(HttpCodec.MAX_HEADERS + 1) + "\r\n")))
                .isEqualTo(431);
        assertThat(status(() -> read("GET /%zz HTTP/1.1\r\n\r\n"))).isEqualTo(400);
    }

    @Test
    void aBodyCutShortIsAnEndOfStream() {
        assertThatThrownBy(() -> read("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")).isInstanceOf(EOFException.class)
                .hasMessageContaining("3 bytes into a 10-byte body");
    }

    @Test
    void messagesEscapeControlCharacters() {
        assertThatThrownBy(() -> read("GET\u0001/x\r\n\r\n")).hasMessageContaining("\\x01");
    }

    @Property(tries = 300)
    void anyBytesGiveARequestOrAClearRefusal(@ForAll byte[] junk) {
        try {
            HttpCodec.read(new ByteArrayInputStream(junk), new ByteArrayOutputStream());
        } catch (HttpException e) {
            assertThat(e.status()).isBetween(400, 599);
            assertThat(e.getMessage()).isNotBlank();
        } catch (EOFException e) {
            assertThat(e.getMessage()).isNotBlank();
        } catch (Exception e) {
            throw new AssertionError("unexpected " + e, e);
        }
    }

    @Test
    void writesAResponseWithLength() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        HttpCodec.write(out, 404, "{}".getBytes(StandardCharsets.UTF_8), true);
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo(
                "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
    }
}
