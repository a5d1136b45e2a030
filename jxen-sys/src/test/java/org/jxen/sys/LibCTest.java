package org.jxen.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jxen.sys.ioc.Ioc;
import org.jxen.testkit.CProbe;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** LibC's constants and buffer sizes against the C headers, and the calls against a real kernel. */
class LibCTest {
    private static final List<String> INCLUDES = List.of("sys/mman.h", "sys/eventfd.h", "fcntl.h", "signal.h", "poll.h",
            "asm/termbits.h", "asm/ioctls.h", "errno.h", "time.h", "linux/memfd.h", "linux/kvm.h", "asm/unistd_64.h", "linux/fs.h",
            "sys/socket.h", "sys/un.h");

    /** Constants whose Java name is not the C macro's, mapped to the C expression. */
    private static final Map<String, String> RENAMED = Map.of(
            "KERNEL_SIGSET_SIZE", "(_NSIG / 8)",
            // x86_64's kernel struct sigaction: handler, flags, restorer (three longs), then the mask.
            "KERNEL_SIGACTION_SIZE", "(3 * sizeof(long) + _NSIG / 8)",
            "KERNEL_TERMIOS_SIZE", "sizeof(struct termios)",
            "POLLFD_SIZE", "sizeof(struct pollfd)",
            "TIMESPEC_SIZE", "sizeof(struct timespec)");

    @Test
    void everyConstantMatchesTheHeaders() throws Exception {
        Map<String, Long> expected = new LinkedHashMap<>();
        for (Field f : LibC.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType().isPrimitive()) {
                expected.put(RENAMED.getOrDefault(f.getName(), f.getName()), ((Number) f.get(null)).longValue());
            }
        }
        for (Field f : LibC.Nr.class.getFields()) {
            expected.put("__NR_" + f.getName(), f.getLong(null));
        }
        assertThat(expected).hasSizeGreaterThan(60);
        assertThat(expected).containsExactlyEntriesOf(CProbe.values(INCLUDES, new ArrayList<>(expected.keySet())));
    }

    @Test
    void errnoNumbersMatchTheHeaders() throws Exception {
        Map<String, Long> expected = new LinkedHashMap<>();
        for (Field f : Errno.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                expected.put(f.getName(), ((Number) f.get(null)).longValue());
                assertThat(Errno.name(f.getInt(null))).isEqualTo(f.getName());
            }
        }
        assertThat(expected).containsExactlyEntriesOf(CProbe.values(INCLUDES, new ArrayList<>(expected.keySet())));
    }

    @Test
    void iocEncodingMatchesTheMacros() throws Exception {
        Map<String, Long> expected = new LinkedHashMap<>();
        expected.put("_IO(0xAE, 0x80)", Ioc.io(0xAE, 0x80));
        expected.put("_IOR(0xAE, 0x81, struct kvm_regs)", Ioc.ior(0xAE, 0x81, 144));
        expected.put("_IOW(0xAE, 0x46, struct kvm_userspace_memory_region)", Ioc.iow(0xAE, 0x46, 32));
        expected.put("_IOWR(0xAE, 0x05, struct kvm_cpuid2)", Ioc.iowr(0xAE, 0x05, 8));
        assertThat(expected).containsExactlyEntriesOf(CProbe.values(INCLUDES, new ArrayList<>(expected.keySet())));
        assertThatThrownBy(() -> Ioc.ior(0xAE, 1, 1 << 14)).hasMessageContaining("ioctl argument size");
    }

    @Test
    void memfdMapsSharedMemoryOfItsSize() throws Exception {
        try (MemFd fd = new MemFd("libc-test", 1 << 20); Mapping a = Mapping.shared(fd, 0, 1 << 20);
                Mapping b = Mapping.shared(fd, 0, 1 << 20)) {
            assertThat(a.size()).isEqualTo(1 << 20);
            a.segment().set(ValueLayout.JAVA_LONG, 4096, 0x1234_5678_9abcL);
            assertThat(b.segment().get(ValueLayout.JAVA_LONG, 4096)).as("second mapping of the same memfd").isEqualTo(0x1234_5678_9abcL);
        }
    }

    @Test
    void closedFdRefusesUseAndClosesOnce() throws Exception {
        EventFd e = new EventFd("test");
        e.signal();
        assertThat(e.await()).isEqualTo(1);
        e.close();
        e.close();
        assertThat(e.isOpen()).isFalse();
        assertThatThrownBy(e::get).hasMessageContaining("is closed");
    }

    @Test
    void openReportsErrnoAndPath() {
        assertThatThrownBy(() -> Fd.open("/nonexistent/jxen"))
                .isInstanceOf(SysException.class)
                .hasMessage("open(/nonexistent/jxen) failed: ENOENT (No such file or directory)")
                .extracting(t -> ((SysException) t).errno()).isEqualTo(Errno.ENOENT);
    }

    @Test
    void kickWhileNotBlockedStaysPendingUntilConsumed() throws Exception {
        boolean[] result = new boolean[3];
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                ThreadKick k = ThreadKick.forCurrentThread();
                result[0] = k.consume();
                k.kick();
                result[1] = k.consume();
                result[2] = k.consume();
            } catch (SysException e) {
                throw new IllegalStateException(e);
            }
        });
        t.join();
        assertThat(result).as("nothing pending, then one kick taken once").containsExactly(false, true, false);
    }

    @Test
    void sigsetHoldsTheSignal() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = LibC.sigset(arena, ThreadKick.SIGNAL);
            long word = set.get(ValueLayout.JAVA_LONG, 0);
            assertThat(word).isEqualTo(1L << (ThreadKick.SIGNAL - 1));
        }
        assertThatThrownBy(() -> LibC.sigset(Arena.ofAuto(), 65)).hasMessageContaining("signal: 65");
    }

    @Test
    void theKickSignalIsIgnoredWhenSentToTheProcess() throws Exception {
        // ThreadKick sets SIG_IGN for its signal when it is initialised; a process-directed one
        // (here: to the main thread, whose tid is the pid) must then not end the JVM.
        Class.forName(ThreadKick.class.getName(), true, ThreadKick.class.getClassLoader());
        assertThat(ThreadKick.SIGNAL).isEqualTo(40);
        assertThat(LibC.tgkill(LibC.getpid(), ThreadKick.SIGNAL)).isZero();
        assertThat(LibC.getpid()).isEqualTo((int) ProcessHandle.current().pid());
    }

    @Test
    void rawModeClearsWhatCfmakerawClears() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocate(LibC.KERNEL_TERMIOS_SIZE, 4);
            t.fill((byte) 0xff);
            LibC.cfmakeraw(t);
            assertThat(t.get(ValueLayout.JAVA_INT, 12) & (LibC.ECHO | LibC.ICANON | LibC.ISIG)).isZero();
            assertThat(t.get(ValueLayout.JAVA_INT, 4) & LibC.OPOST).isZero();
            assertThat(t.get(ValueLayout.JAVA_INT, 8) & LibC.CSIZE).isEqualTo(LibC.CS8);
            assertThat(t.get(ValueLayout.JAVA_BYTE, 17 + LibC.VMIN)).isEqualTo((byte) 1);
            assertThat(t.get(ValueLayout.JAVA_BYTE, 17 + LibC.VTIME)).isZero();
        }
        assertThat(LibC.isatty(-1)).isFalse();
    }
}
