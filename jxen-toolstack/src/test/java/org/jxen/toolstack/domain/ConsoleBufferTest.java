package org.jxen.toolstack.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleBufferTest {
    @TempDir
    Path dir;

    static void print(ConsoleBuffer c, String s) {
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            c.write(b & 0xff);
        }
    }

    @Test
    void aLateReaderSeesTheBacklogThenLiveOutputAndEofOnClose() throws Exception {
        ConsoleBuffer c = new ConsoleBuffer("d", null, 8);
        print(c, "0123456789");
        ConsoleAttachment a = c.attach((b, off, len) -> { });
        print(c, "AB");
        c.close();
        assertThat(new String(a.output().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("23456789AB");
    }

    @Test
    void twoReadersEachGetEverythingAndADetachedOneEnds() throws Exception {
        ConsoleBuffer c = new ConsoleBuffer("d", null, 1024);
        ConsoleAttachment a = c.attach((b, off, len) -> { });
        ConsoleAttachment b = c.attach((x, off, len) -> { });
        print(c, "hello");
        b.close();
        c.close();
        assertThat(new String(a.output().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(new String(b.output().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello");
    }

    @Test
    void aReaderThatNeverReadsNeitherBlocksTheGuestNorGrowsWithoutBound() throws Exception {
        ConsoleBuffer c = new ConsoleBuffer("d", dir.resolve("console/guest-d.log"), 1024);
        ConsoleAttachment stalled = c.attach((b, off, len) -> { });
        int total = 10 << 20;
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < total; i++) {
                c.write('a' + i % 26);
            }
        });
        writer.get(60, TimeUnit.SECONDS);
        c.close();
        String got = new String(stalled.output().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(got).startsWith("\r\n[jxen: ").contains("bytes of console output dropped");
        assertThat(got.length()).isLessThan(ConsoleBuffer.READER_LIMIT + 65536 + 200);
        assertThat(Files.size(dir.resolve("console/guest-d.log"))).as("the log")
                .isGreaterThan(total - (long) ConsoleBuffer.LOG_LIMIT - 65536).isLessThanOrEqualTo(total);
    }

    @Test
    void theLogHasEveryByteAndInputReachesTheGuest() throws Exception {
        StringBuilder typed = new StringBuilder();
        ConsoleBuffer c = new ConsoleBuffer("d", dir.resolve("console/guest-d.log"), 1024);
        ConsoleAttachment a = c.attach((b, off, len) -> typed.append(new String(b, off, len, StandardCharsets.UTF_8)));
        print(c, "line one\nline two\n");
        a.input().write("x\r".getBytes(StandardCharsets.UTF_8));
        c.close();
        assertThat(Files.readString(dir.resolve("console/guest-d.log"))).isEqualTo("line one\nline two\n");
        assertThat(typed.toString()).isEqualTo("x\r");
    }

    @Test
    void anUnwritableLogDirectoryLeavesTheConsoleWorking() throws Exception {
        Files.writeString(dir.resolve("file"), "not a directory");
        ConsoleBuffer c = new ConsoleBuffer("d", dir.resolve("file/console/guest-d.log"), 1024);
        ConsoleAttachment a = c.attach((b, off, len) -> { });
        print(c, "still here");
        c.close();
        assertThat(new String(a.output().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("still here");
    }
}
