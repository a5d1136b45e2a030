package org.jxen.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The ceiling for {@code bench/xenstore.sh}: an XenStore-framed echo server on a Unix socket
 * with a thread per client and nothing else (jxen-xenstored itself serves every client from one
 * selector thread). A platform thread accepts; every
 * client gets a virtual thread that reads into a 16 KiB buffer, finds the complete messages
 * ({@code struct xsd_sockmsg}: a 16-byte header whose last u32 is the payload length, then the
 * payload) and writes them back unchanged in one write, as {@code SocketConnection} writes the
 * replies to everything one read brought. No decoding into objects, no store, no lock.
 *
 * <p>usage: {@code EchoServer [--platform] SOCKET} (prints "listening on SOCKET" on stderr when
 * ready). {@code --platform}: a platform thread per client instead, to measure what the virtual
 * thread's park/unpark through the JDK's poller costs per request.
 */
public final class EchoServer {
    static final int HEADER = 16;
    static final int BUFFER = 16 * 1024;

    private EchoServer() {}

    public static void main(String[] args) throws IOException {
        boolean platform = args.length == 2 && args[0].equals("--platform");
        if (args.length != (platform ? 2 : 1)) {
            System.err.println("usage: EchoServer [--platform] SOCKET");
            System.exit(2);
        }
        Path path = Path.of(args[args.length - 1]);
        Thread.Builder threads = platform ? Thread.ofPlatform().daemon(true) : Thread.ofVirtual();
        Files.deleteIfExists(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path), 128);
        System.err.println("listening on " + path);
        while (true) {
            SocketChannel c = server.accept();
            threads.start(() -> serve(c));
        }
    }

    private static void serve(SocketChannel c) {
        ByteBuffer in = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        try (c) {
            while (c.read(in) > 0) {
                // Complete messages in [0, end): echo them; keep a partial one for the next read.
                int filled = in.position();
                int end = 0;
                while (filled - end >= HEADER) {
                    int len = in.getInt(end + 12);
                    if (len < 0 || len > 4096) {
                        return;
                    }
                    if (filled - end < HEADER + len) {
                        break;
                    }
                    end += HEADER + len;
                }
                if (end > 0) {
                    ByteBuffer out = in.duplicate();
                    out.position(0).limit(end);
                    while (out.hasRemaining()) {
                        c.write(out);
                    }
                    in.position(end).limit(filled);
                    in.compact();
                }
            }
        } catch (IOException e) {
            // Client gone.
        }
    }
}
