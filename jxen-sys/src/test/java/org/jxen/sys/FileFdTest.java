package org.jxen.sys;

import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Positional reads into native memory and the data/hole map of a sparse file, on the real kernel. */
class FileFdTest {
    static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    /** A 2 MiB file with 100 bytes of data at 0 and at 1 MiB, holes elsewhere. */
    Path sparse() throws Exception {
        Path p = dir.resolve("sparse");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(2 * MIB);
            f.write(pattern(100, 1));
            f.seek(MIB);
            f.write(pattern(100, 2));
        }
        return p;
    }

    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed + i * 13);
        }
        return b;
    }

    @Test
    void reportsSizeAndWhereTheDataAndHolesAre() throws Exception {
        try (FileFd f = FileFd.openReadOnly(sparse().toString())) {
            assertThat(f.size()).isEqualTo(2 * MIB);
            assertThat(f.nextData(0)).isZero();
            long hole = f.nextHole(0);
            assertThat(hole).as("first hole: after the first data block").isGreaterThanOrEqualTo(100).isLessThanOrEqualTo(MIB);
            assertThat(f.nextData(hole)).isGreaterThan(hole).isLessThanOrEqualTo(MIB);
            assertThat(f.nextHole(MIB)).isGreaterThanOrEqualTo(MIB + 100).isLessThanOrEqualTo(2 * MIB);
            assertThat(f.nextData(f.nextHole(MIB))).as("only a hole up to the end").isEqualTo(-1);
            assertThat(f.nextHole(2 * MIB)).as("at the end").isEqualTo(-1);
        }
    }

    @Test
    void readsIntoNativeMemoryUpToTheEndOfTheFile() throws Exception {
        Path p = sparse();
        byte[] all = Files.readAllBytes(p);
        try (FileFd f = FileFd.openReadOnly(p.toString()); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(3 * MIB);
            buf.fill((byte) 0x5a);
            assertThat(f.readFully(buf.asSlice(0, 4096), MIB - 2048)).isEqualTo(4096);
            assertThat(buf.asSlice(0, 4096).toArray(ValueLayout.JAVA_BYTE))
                    .isEqualTo(java.util.Arrays.copyOfRange(all, (int) MIB - 2048, (int) MIB + 2048));
            assertThat(f.readFully(buf, 0)).as("short only at the end of the file").isEqualTo(2 * MIB);
            assertThat(buf.asSlice(0, 2 * MIB).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(all);
            assertThat(buf.get(ValueLayout.JAVA_BYTE, 2 * MIB)).as("past the end: untouched").isEqualTo((byte) 0x5a);
            assertThat(f.readFully(buf, 2 * MIB)).isZero();
        }
    }

    @Test
    void sendsIntoAMemfdAtAnOffsetInsideTheKernel() throws Exception {
        Path p = sparse();
        byte[] all = Files.readAllBytes(p);
        try (FileFd f = FileFd.openReadOnly(p.toString()); MemFd m = new MemFd("sendfile-test", 4 * MIB);
                Mapping map = Mapping.shared(m, 0, 4 * MIB)) {
            map.segment().fill((byte) 0x5a);
            assertThat(f.sendFully(m, MIB + 1, MIB - 2048, 4096)).isEqualTo(4096);
            assertThat(map.segment().asSlice(MIB + 1, 4096).toArray(ValueLayout.JAVA_BYTE))
                    .isEqualTo(java.util.Arrays.copyOfRange(all, (int) MIB - 2048, (int) MIB + 2048));
            assertThat(map.segment().get(ValueLayout.JAVA_BYTE, MIB)).as("before the target: untouched").isEqualTo((byte) 0x5a);
            assertThat(map.segment().get(ValueLayout.JAVA_BYTE, MIB + 1 + 4096)).as("after it").isEqualTo((byte) 0x5a);
            assertThat(f.sendFully(m, 0, 0, 3 * MIB)).as("short only at the end of the file").isEqualTo(2 * MIB);
            assertThat(map.segment().asSlice(0, 2 * MIB).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(all);
            assertThat(f.sendFully(m, 0, 2 * MIB, 16)).isZero();
        }
    }

    @Test
    void errorsNameTheCallTheFileAndErrno() throws Exception {
        assertThatThrownBy(() -> FileFd.openReadOnly(dir.resolve("nope").toString())).isInstanceOf(SysException.class)
                .hasMessage("open(" + dir.resolve("nope") + ") failed: ENOENT (No such file or directory)");
        try (FileFd d = FileFd.openReadOnly(dir.toString()); Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> d.readFully(arena.allocate(16), 0)).isInstanceOf(SysException.class)
                    .hasMessage("pread(" + dir + ", offset 0) failed: EISDIR (Is a directory)");
        }
    }
}
