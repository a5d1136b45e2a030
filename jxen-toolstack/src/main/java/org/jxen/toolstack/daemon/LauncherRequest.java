package org.jxen.toolstack.daemon;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The request an {@code xl} launcher sends (docs/XL-LAUNCHER.md): a header of the magic
 * {@code JXL1} and the payload's length (u32, little-endian), then the payload: argc (u32),
 * argc NUL-terminated arguments, the NUL-terminated working directory, envc (u32) and envc
 * NUL-terminated {@code KEY=VALUE} strings. Every count and length is bounded; a request that
 * breaks a bound or the layout is refused with a {@link BadRequest} naming what was wrong.
 *
 * <p>Pure: no I/O, so the decoder is tested byte by byte.
 */
public record LauncherRequest(List<String> argv, Path cwd, Map<String, String> env) {
    public static final byte[] MAGIC = {'J', 'X', 'L', '1'};
    public static final byte[] REPLY_MAGIC = {'J', 'X', 'R', '1'};
    /** The reply instead of a status when jxend runs as many commands as it will: {@code JXRB} and the limit. */
    public static final byte[] BUSY_MAGIC = {'J', 'X', 'R', 'B'};
    public static final int HEADER_SIZE = 8;
    /** Largest payload; the launcher refuses longer command lines itself (xl.c MAX_PAYLOAD). */
    public static final int MAX_PAYLOAD = 256 * 1024 - HEADER_SIZE;
    static final int MAX_ARGS = 4096;
    static final int MAX_ENV = 256;

    /** A request the daemon refuses. */
    public static final class BadRequest extends Exception {
        public BadRequest(String message) {
            super(message);
        }
    }

    /** The payload length the header announces. */
    public static int payloadLength(byte[] header) throws BadRequest {
        if (header.length != HEADER_SIZE || !java.util.Arrays.equals(header, 0, 4, MAGIC, 0, 4)) {
            throw new BadRequest("not an xl launcher request (expected the magic JXL1; is the client an xl of another version?)");
        }
        long n = Integer.toUnsignedLong(ByteBuffer.wrap(header, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
        if (n > MAX_PAYLOAD) {
            throw new BadRequest("the request is " + n + " bytes (expected: at most " + MAX_PAYLOAD + ")");
        }
        return (int) n;
    }

    public static LauncherRequest decode(byte[] payload) throws BadRequest {
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        long argc = u32(b, "argc");
        if (argc > MAX_ARGS) {
            throw new BadRequest("argc is " + argc + " (expected: at most " + MAX_ARGS + ")");
        }
        List<String> argv = new ArrayList<>();
        for (long i = 0; i < argc; i++) {
            argv.add(string(b, "argument " + i));
        }
        String cwd = string(b, "the working directory");
        if (!cwd.startsWith("/")) {
            throw new BadRequest("the working directory '" + cwd + "' is not absolute");
        }
        long envc = u32(b, "envc");
        if (envc > MAX_ENV) {
            throw new BadRequest("envc is " + envc + " (expected: at most " + MAX_ENV + ")");
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (long i = 0; i < envc; i++) {
            String kv = string(b, "environment entry " + i);
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new BadRequest("environment entry " + i + " has no NAME=: '" + kv + "'");
            }
            env.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        if (b.hasRemaining()) {
            throw new BadRequest(b.remaining() + " bytes follow the environment");
        }
        return new LauncherRequest(argv, Path.of(cwd), env);
    }

    /** Encodes a request as the launcher does (for tests and Java clients). */
    public static byte[] encode(List<String> argv, String cwd, Map<String, String> env) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ByteBuffer n = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        out.writeBytes(n.putInt(0, argv.size()).array());
        argv.forEach(a -> cstring(out, a));
        cstring(out, cwd);
        out.writeBytes(n.putInt(0, env.size()).array());
        env.forEach((k, v) -> cstring(out, k + "=" + v));
        byte[] payload = out.toByteArray();
        ByteBuffer all = ByteBuffer.allocate(HEADER_SIZE + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        all.put(MAGIC).putInt(payload.length).put(payload);
        return all.array();
    }

    /** The reply: {@code JXR1} and the exit status (i32, little-endian). */
    public static byte[] reply(int status) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).put(REPLY_MAGIC).putInt(status).array();
    }

    /** The busy reply: {@code JXRB} and the number of commands jxend runs at once. */
    public static byte[] busy(int limit) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).put(BUSY_MAGIC).putInt(limit).array();
    }

    private static void cstring(java.io.ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }

    private static long u32(ByteBuffer b, String what) throws BadRequest {
        if (b.remaining() < 4) {
            throw new BadRequest("the request ends before " + what);
        }
        return Integer.toUnsignedLong(b.getInt());
    }

    private static String string(ByteBuffer b, String what) throws BadRequest {
        int start = b.position();
        for (int i = start; i < b.limit(); i++) {
            if (b.get(i) == 0) {
                String s = new String(b.array(), start, i - start, StandardCharsets.UTF_8);
                b.position(i + 1);
                return s;
            }
        }
        throw new BadRequest("the request ends inside " + what + " (no terminating NUL)");
    }
}
