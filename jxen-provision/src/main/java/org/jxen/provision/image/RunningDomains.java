package org.jxen.provision.image;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Asks jxend, through its control API ({@code GET /v1/domains/NAME}, docs/API.md), whether a
 * domain of that name exists. No jxend (no socket, or nobody listening) is no domain; this never
 * starts one (as {@code xl} would).
 */
public final class RunningDomains {
    private final Path apiSocket;

    public RunningDomains(Path apiSocket) {
        this.apiSocket = apiSocket;
    }

    public boolean exists(String name) throws IOException {
        if (!Files.exists(apiSocket)) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                ch.connect(UnixDomainSocketAddress.of(apiSocket));
            } catch (java.net.ConnectException e) {
                return false;
            }
            String req = "GET /v1/domains/" + java.net.URLEncoder.encode(name, StandardCharsets.UTF_8)
                    + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
            ch.write(ByteBuffer.wrap(req.getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer b = ByteBuffer.allocate(64);
            while (b.hasRemaining() && ch.read(b) > 0) {
                if (new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).contains("\r\n")) {
                    break;
                }
            }
            String status = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
            if (status.startsWith("HTTP/1.1 200")) {
                return true;
            }
            if (status.startsWith("HTTP/1.1 404")) {
                return false;
            }
            throw new IOException("jxend at " + apiSocket + " answered \"" + status.lines().findFirst().orElse("")
                    + "\" when asked about domain " + name);
        }
    }
}
