package org.jxen.toolstack.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoreDumpTest {
    @TempDir
    Path dir;

    @Test
    void readelfReadsTheCoreAndTheBytesAreTheGuests() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/readelf")), "readelf (binutils) is not installed");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment low = arena.allocate(1 << 20);
            MemorySegment high = arena.allocate(64 << 20);
            low.set(ValueLayout.JAVA_LONG, 0x1000, 0x1122334455667788L);
            high.set(ValueLayout.JAVA_BYTE, (32 << 20) + 5, (byte) 0x5a);
            Path core = dir.resolve("dump/g.core");
            CoreDump.write(core, List.of(new CoreDump.Region(0, low), new CoreDump.Region(0x1_0000_0000L, high)));
            Process p = new ProcessBuilder("readelf", "-h", "-l", core.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(out).isZero();
            assertThat(out).contains("CORE (Core file)").contains("Advanced Micro Devices X86-64")
                    .containsPattern("LOAD +0x[0-9a-f]+ 0x0000000100000000 0x0000000100000000");
            byte[] bytes = Files.readAllBytes(core);
            // The second PT_LOAD's offset, read from its program header (e_phoff 64, 56 bytes each, p_offset at +8).
            long off2 = java.nio.ByteBuffer.wrap(bytes, 64 + 56 + 8, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            long off1 = java.nio.ByteBuffer.wrap(bytes, 64 + 8, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            assertThat(java.nio.ByteBuffer.wrap(bytes, (int) off1 + 0x1000, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong())
                    .isEqualTo(0x1122334455667788L);
            assertThat(bytes[(int) (off2 + (32 << 20) + 5)]).isEqualTo((byte) 0x5a);
            assertThat(bytes.length).isEqualTo(off2 + (64 << 20));
            try (org.jxen.sys.FileFd f = org.jxen.sys.FileFd.openReadOnly(core.toString())) {
                // SEEK_HOLE: the zeros after the first region's one written page are not on disk.
                assertThat(f.nextHole(0)).as("zero pages are holes").isLessThan(off1 + 0x2000);
            }
        }
    }
}
