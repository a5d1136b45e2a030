package org.jxen.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketTest {
    @TempDir
    Path dir;

    @Test
    void passesDescriptorsThatReferToTheSameFile() throws Exception {
        Path f = dir.resolve("file");
        Files.writeString(f, "passed along");
        UnixSocket[] p = UnixSocket.pair();
        try (UnixSocket a = p[0]; UnixSocket b = p[1]; FileFd file = FileFd.openReadOnly(f.toString())) {
            a.send("hello".getBytes(StandardCharsets.US_ASCII), file.get());
            UnixSocket.Received r = b.receive(64, 3);
            assertThat(new String(r.data(), StandardCharsets.US_ASCII)).isEqualTo("hello");
            assertThat(r.fds()).hasSize(1);
            try (Fd got = r.fds().get(0)) {
                assertThat(got.get()).isNotEqualTo(file.get());
                assertThat(Files.readString(Path.of("/proc/self/fd/" + got.get()))).isEqualTo("passed along");
            }
        }
    }

    @Test
    void moreDescriptorsThanAllowedAreAllClosedAndRefused() throws Exception {
        UnixSocket[] p = UnixSocket.pair();
        long before;
        try (UnixSocket a = p[0]; UnixSocket b = p[1]) {
            before = openFds();
            a.send(new byte[] {1}, 0, 1, 2, 0, 1);
            assertThatThrownBy(() -> b.receive(16, 3)).isInstanceOf(SysException.class)
                    .hasMessageContaining("more than 3 descriptors");
            assertThat(openFds()).as("no descriptor leaked into the receiver").isEqualTo(before);
        }
    }

    private static long openFds() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    @Test
    void listensAcceptsAndReportsThePeer() throws Exception {
        String path = dir.resolve("s").toString();
        try (UnixSocket server = UnixSocket.listen(path, 4); UnixSocket client = UnixSocket.connect(path);
                UnixSocket conn = server.accept()) {
            UnixSocket.Credentials c = conn.peer();
            assertThat(c.pid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(c.uid()).isEqualTo((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
            client.send("abc".getBytes(StandardCharsets.US_ASCII));
            client.shutdown(LibC.SHUT_WR);
            assertThat(conn.readFully(10)).containsExactly('a', 'b', 'c');
        }
    }

    @Test
    void connectingToNothingNamesThePath() {
        String path = dir.resolve("nobody").toString();
        assertThatThrownBy(() -> UnixSocket.connect(path)).isInstanceOf(SysException.class)
                .hasMessageContaining(path).hasMessageContaining("ENOENT");
        assertThatThrownBy(() -> UnixSocket.connect("/" + "x".repeat(200))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sun_path");
    }

    @Test
    void shutdownWakesABlockedAccept() throws Exception {
        String path = dir.resolve("s").toString();
        try (UnixSocket server = UnixSocket.listen(path, 4)) {
            var failed = new java.util.concurrent.CompletableFuture<Throwable>();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    server.accept().close();
                    failed.complete(null);
                } catch (Throwable e) {
                    failed.complete(e);
                }
            });
            // The acceptor may not be in accept() yet: shutdown also makes a later accept fail.
            server.shutdown(LibC.SHUT_RDWR);
            assertThat(failed.get(10, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(SysException.class);
            t.join();
        }
    }

    @Test
    void pollSeesTheHangUpOfAPeer() throws Exception {
        UnixSocket[] p = UnixSocket.pair();
        try (UnixSocket a = p[0]; UnixSocket b = p[1]) {
            short ev = (short) (LibC.POLLRDHUP | LibC.POLLHUP);
            assertThat(LibC.poll(new int[] {b.get()}, new short[] {ev}, 0)[0]).isZero();
            a.close();
            assertThat(LibC.poll(new int[] {b.get()}, new short[] {ev}, 5000)[0] & ev).isNotZero();
        }
    }

    @Test
    void affinityOfTheCurrentThreadRoundTrips() throws Exception {
        int tid = LibC.gettid();
        BitSet before = LibC.getAffinity(tid);
        BitSet one = new BitSet();
        one.set(before.nextSetBit(0));
        try {
            LibC.setAffinity(tid, one);
            assertThat(LibC.getAffinity(tid)).isEqualTo(one);
        } finally {
            LibC.setAffinity(tid, before);
        }
    }
}
