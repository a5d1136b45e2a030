package org.jxen.xenstore.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.jxen.xenstore.client.XsClient;
import org.jxen.xenstore.store.Access;
import org.jxen.xenstore.store.Corrupt;
import org.jxen.xenstore.store.Perms;
import org.jxen.xenstore.store.Quota;
import org.jxen.xenstore.wire.XsError;
import org.jxen.xenstore.wire.XsException;
import org.jxen.xenstore.wire.XsOp;
import org.jxen.xenstore.wire.XsPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * CONTROL check over the daemon's Unix socket, as {@code xenstore-control check} sends it: a store
 * broken through the test hooks is repaired, and the reply is xenstored's ack.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StoreCheckSocketTest {
    @TempDir
    Path dir;
    XenstoreServer server;
    SocketServer listener;
    XsClient client;

    @BeforeEach
    void start() throws IOException {
        server = new XenstoreServer(Quota.XEN_DEFAULTS);
        listener = SocketServer.start(server, dir.resolve("socket"));
        client = XsClient.connect(listener.path());
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        listener.close();
    }

    String control(String... args) throws IOException, XsException {
        byte[] reply = client.request(XsOp.CONTROL, 0, XsPacket.nulTerminated(args));
        return new String(reply, StandardCharsets.UTF_8);
    }

    @Test
    void checkRepairsABrokenStoreAndAnswersOk() throws Exception {
        client.write("/vm/a/b", "1");
        client.write("/vm/c", "2");
        client.mkdir(0, "/local/domain/7");
        client.setPerms(0, "/local/domain/7", "n7");
        server.withStore(s -> {
            Corrupt.addDanglingChild(s, "/vm", "ghost");
            Corrupt.dropChildEntry(s, "/vm/a");
            Corrupt.addOrphan(s, "/local/domain/7/lost", Perms.of(7, Access.NONE));
            return null;
        });
        assertThat(client.directory(0, "/vm")).containsExactly("c", "ghost");
        assertThat(control("quota", "7")).containsPattern("nodes\\s*:\\s+2\n");

        assertThat(control("check")).isEqualTo("OK\0");

        assertThat(client.directory(0, "/vm")).containsExactly("c");
        assertThatThrownBy(() -> client.readString("/vm/a/b")).isInstanceOfSatisfying(XsException.class,
                e -> assertThat(e.error()).isEqualTo(XsError.ENOENT));
        assertThat(control("quota", "7")).as("the orphan no longer counts").containsPattern("nodes\\s*:\\s+1\n");
        assertThat(client.readString("/vm/c")).isEqualTo("2");
    }
}
