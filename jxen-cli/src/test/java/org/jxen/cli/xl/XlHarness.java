package org.jxen.cli.xl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.jxen.toolstack.daemon.Invocation;
import org.jxen.toolstack.daemon.Peer;
import org.jxen.toolstack.daemon.Stdio;
import org.jxen.toolstack.domain.DomainException;
import org.jxen.toolstack.domain.DomainManager;
import org.jxen.toolstack.domain.Guest;
import org.jxen.toolstack.domain.GuestFactory;
import org.jxen.vmm.device.legacy.Uart8250;
import org.jxen.vmm.machine.HostFacts;
import org.jxen.vmm.machine.MachineSpec;
import org.jxen.vmm.machine.Outcome;
import org.jxen.vmm.vcpu.ShutdownReason;
import org.jxen.xenstore.server.XenstoreServer;
import org.jxen.xenstore.store.Quota;

/**
 * The xl command table over the real {@link DomainManager}, with guests that need no KVM (each
 * prints "booted NAME", powers off when its power button is pressed, echoes typed input to a
 * buffer) and the client's standard streams in memory.
 */
final class XlHarness implements AutoCloseable {
    static final HostFacts HOST = new HostFacts(HostFacts.KvmKind.HARDWARE, "kvm_intel", 4L << 30, 2, "6.1.0", "cpu");
    final DomainManager domains;
    final Xl xl;
    final StringBuilder typed = new StringBuilder();

    XlHarness(Path dir) throws IOException {
        domains = new DomainManager(new XenstoreServer(Quota.XEN_DEFAULTS), dir.resolve("state"), dir.resolve("log"),
                new Guests(), HOST);
        xl = new Xl(domains);
    }

    @Override
    public void close() {
        domains.close();
    }

    record Result(int status, String out, String err) {}

    /** Input that ends (EOF) after {@code input}, or never ends when it is null, until endInput. */
    static final class MemoryStdio implements Stdio {
        final LinkedBlockingQueue<Integer> in = new LinkedBlockingQueue<>();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        volatile boolean raw;
        /** Whether standard input claims to be a terminal. */
        volatile boolean terminal;

        MemoryStdio(byte[] input) {
            if (input != null) {
                for (byte b : input) {
                    in.add(b & 0xff);
                }
                in.add(-1);
            }
        }

        @Override
        public InputStream in() {
            return new InputStream() {
                @Override
                public int read() throws IOException {
                    try {
                        int b = in.take();
                        if (b < 0) {
                            in.add(-1);
                        }
                        return b;
                    } catch (InterruptedException e) {
                        throw new java.io.InterruptedIOException();
                    }
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int c = read();
                    if (c < 0) {
                        return -1;
                    }
                    b[off] = (byte) c;
                    return 1;
                }
            };
        }

        @Override
        public OutputStream out() {
            return out;
        }

        @Override
        public OutputStream err() {
            return err;
        }

        @Override
        public boolean stdinIsTerminal() {
            return terminal;
        }

        @Override
        public AutoCloseable rawMode() {
            raw = true;
            return () -> raw = false;
        }

        @Override
        public void endInput() {
            in.add(-1);
        }

        @Override
        public void close() {
        }
    }

    Result run(String... argv) throws Exception {
        return run(new MemoryStdio(new byte[0]), Path.of("/"), new CompletableFuture<>(), argv);
    }

    Result run(MemoryStdio io, Path cwd, CompletableFuture<Void> cancelled, String... argv) throws Exception {
        Invocation inv = new Invocation(List.of(argv), cwd, Map.of(), io, new Peer(1, 0, 0), cancelled);
        int status = xl.run(inv);
        return new Result(status, io.out.toString(StandardCharsets.UTF_8), io.err.toString(StandardCharsets.UTF_8));
    }

    private final class Guests implements GuestFactory {
        @Override
        public Guest build(MachineSpec spec, Uart8250.Sink console) throws DomainException {
            return new Guest() {
                final CompletableFuture<Outcome> outcome = new CompletableFuture<>();

                @Override
                public void start() {
                    for (byte b : ("booted " + spec.name() + "\n").getBytes(StandardCharsets.UTF_8)) {
                        console.write(b);
                    }
                }

                @Override
                public CompletableFuture<Outcome> outcome() {
                    return outcome;
                }

                @Override
                public void destroy(String why) {
                    outcome.complete(new Outcome(ShutdownReason.DESTROYED, why));
                }

                @Override
                public void pause() {
                }

                @Override
                public void unpause() {
                }

                @Override
                public boolean powerButtonEnabled() {
                    return true;
                }

                @Override
                public void pressPowerButton() {
                    outcome.complete(new Outcome(ShutdownReason.POWEROFF, "power button"));
                }

                @Override
                public void reset(String why) {
                    outcome.complete(new Outcome(ShutdownReason.REBOOT, why));
                }

                @Override
                public List<Integer> vcpuThreads() {
                    return List.of();
                }

                @Override
                public void consoleInput(byte[] b, int off, int len) {
                    synchronized (typed) {
                        typed.append(new String(b, off, len, StandardCharsets.UTF_8));
                    }
                }

                @Override
                public void coreDump(Path file) {
                }

                @Override
                public void close() {
                }
            };
        }
    }

    static void awaitDone(CompletableFuture<?> f) throws Exception {
        f.get(20, TimeUnit.SECONDS);
    }
}
