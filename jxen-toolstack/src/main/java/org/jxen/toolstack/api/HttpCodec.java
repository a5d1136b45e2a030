package org.jxen.toolstack.api;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The part of HTTP/1.1 (RFC 9112) the control API speaks: requests with a Content-Length body
 * or none, keep-alive, {@code Expect: 100-continue} (curl sends it for larger bodies); responses
 * with a Content-Length. Every size is bounded, so a client cannot make the daemon allocate
 * without limit; whatever is malformed is an {@link HttpException} with status 400, 411, 413,
 * 431 or 501 and a sentence that names the problem.
 *
 * <p>Runs on the connection's thread; no state is shared.
 */
public final class HttpCodec {
    /** Longest request line or header line. */
    static final int MAX_LINE = 8192;
    /** Most header lines in one request. */
    static final int MAX_HEADERS = 100;
    /** Largest body: an xl config is at most 1 MiB (XlConfig.MAX_FILE_BYTES) plus its JSON wrapping. */
    public static final int MAX_BODY = 2 << 20;

    private HttpCodec() {}

    /**
     * Reads one request, or returns null at a clean end of the stream between requests.
     *
     * @param continueOut where {@code 100 Continue} goes when the client asks for it
     */
    public static HttpRequest read(InputStream in, OutputStream continueOut) throws IOException, HttpException {
        String line = readLine(in, true);
        if (line == null) {
            return null;
        }
        String[] parts = line.split(" ", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new HttpException(400, "malformed request line '" + printable(line) + "' (expected: METHOD TARGET HTTP/1.1)");
        }
        if (!parts[2].equals("HTTP/1.1") && !parts[2].equals("HTTP/1.0")) {
            throw new HttpException(505, "unsupported protocol version '" + printable(parts[2]) + "' (expected: HTTP/1.1)");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (int n = 0; ; n++) {
            String h = readLine(in, false);
            if (h.isEmpty()) {
                break;
            }
            if (n >= MAX_HEADERS) {
                throw new HttpException(431, "more than " + MAX_HEADERS + " header lines");
            }
            int colon = h.indexOf(':');
            if (colon <= 0) {
                throw new HttpException(400, "malformed header line '" + printable(h) + "' (expected: Name: value)");
            }
            headers.put(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
        }
        if (parts[2].equals("HTTP/1.0") && !headers.containsKey("connection")) {
            headers.put("connection", "close");
        }
        if (headers.containsKey("transfer-encoding")) {
            throw new HttpException(501, "Transfer-Encoding '" + printable(headers.get("transfer-encoding"))
                    + "' is not supported; send the body with a Content-Length");
        }
        int length = 0;
        String cl = headers.get("content-length");
        if (cl != null) {
            long n;
            try {
                n = Long.parseLong(cl);
            } catch (NumberFormatException e) {
                throw new HttpException(400, "Content-Length '" + printable(cl) + "' is not a number");
            }
            if (n < 0) {
                throw new HttpException(400, "Content-Length " + n + " is negative");
            }
            if (n > MAX_BODY) {
                throw new HttpException(413, "the body is " + n + " bytes (expected: at most " + MAX_BODY + ")");
            }
            length = (int) n;
        }
        if (length > 0 && "100-continue".equalsIgnoreCase(headers.get("expect"))) {
            continueOut.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            continueOut.flush();
        }
        byte[] body = in.readNBytes(length);
        if (body.length != length) {
            throw new EOFException("the client closed the connection " + body.length + " bytes into a " + length + "-byte body");
        }
        String target = parts[1];
        int q = target.indexOf('?');
        String rawPath = q < 0 ? target : target.substring(0, q);
        Map<String, String> query = new LinkedHashMap<>();
        try {
            if (q >= 0) {
                for (String kv : target.substring(q + 1).split("&")) {
                    if (kv.isEmpty()) {
                        continue;
                    }
                    int eq = kv.indexOf('=');
                    query.put(URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8),
                            eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
            // '+' is a space only in queries; in a path it is itself.
            String path = URLDecoder.decode(rawPath.replace("+", "%2B"), StandardCharsets.UTF_8);
            return new HttpRequest(parts[0], path, query, headers, body);
        } catch (IllegalArgumentException e) {
            throw new HttpException(400, "malformed percent-encoding in '" + printable(target) + "'");
        }
    }

    /** A line ending in CRLF (a bare LF is accepted, as most servers do), without it. */
    private static String readLine(InputStream in, boolean first) throws IOException, HttpException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        while (true) {
            int c = in.read();
            if (c < 0) {
                if (first && b.size() == 0) {
                    return null;
                }
                throw new EOFException("the client closed the connection in the middle of a request");
            }
            if (c == '\n') {
                byte[] a = b.toByteArray();
                int n = a.length > 0 && a[a.length - 1] == '\r' ? a.length - 1 : a.length;
                return new String(a, 0, n, StandardCharsets.ISO_8859_1);
            }
            if (b.size() >= MAX_LINE) {
                throw new HttpException(first ? 414 : 431, (first ? "the request line" : "a header line")
                        + " is longer than " + MAX_LINE + " bytes");
            }
            b.write(c);
        }
    }

    /** Writes a response with a JSON (or empty) body. */
    public static void write(OutputStream out, int status, byte[] json, boolean close) throws IOException {
        StringBuilder h = new StringBuilder(128);
        h.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
        if (json.length > 0) {
            h.append("Content-Type: application/json\r\n");
        }
        h.append("Content-Length: ").append(json.length).append("\r\n");
        if (close) {
            h.append("Connection: close\r\n");
        }
        h.append("\r\n");
        out.write(h.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(json);
        out.flush();
    }

    static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 411 -> "Length Required";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 415 -> "Unsupported Media Type";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            case 505 -> "HTTP Version Not Supported";
            default -> "Status";
        };
    }

    /** Control characters of client text, escaped, and at most 100 characters of it, for messages. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 100; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return s.length() > 100 ? b + "..." : b.toString();
    }
}
