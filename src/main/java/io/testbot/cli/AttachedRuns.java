package io.testbot.cli;

import io.testbot.protocol.Version;
import io.testbot.requester.KeptWarm;
import io.testbot.requester.Requester;
import io.testbot.requester.RequesterConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs that the project's kept-warm local mode serves in its own process, for a client that is not a JVM
 * (bin/testbot-attach, a Ruby script bin/testbot runs when the project's socket is there): a JVM's start and its
 * reading of the command line take about 0.2 s, as long as a small suite's tests. It listens on a Unix socket in the
 * kept-warm directory (0700, and the peer must be this process's user), runs the requester here with the client's
 * command line, and relays its output. What it would not run exactly as the client's own JVM would (another
 * directory, environment, jar or settings; help; a usage error) it hands back untouched, and the client starts
 * testbot's JVM as always, which says why, or ends this process and starts another.
 *
 * <p>Protocol 1. The client sends NUL-terminated strings: {@value #HELLO}, its directory, its testbot jar, the
 * argument count, the arguments, its environment as NAME=VALUE, and an empty string. The answer is frames: a type
 * byte, a 4-byte big-endian length and that many bytes: 'o' standard output, 'e' standard error, 'x' the exit status
 * (decimal), 'h' handed back (nothing ran). A byte 'c' from the client (its Ctrl-C), or the client going away, cancels
 * the run's build; the status then sent is 130, and the client exits as a JVM killed by its signal would.
 */
final class AttachedRuns implements AutoCloseable {
    static final String SOCKET = "run.sock";
    static final String HELLO = "testbot-attach 1";
    /** The exit status of a run cancelled by its client, as of a process ended by SIGINT. */
    static final int CANCELLED = 130;
    private static final int MAX_REQUEST_BYTES = 4 << 20;
    /** A client sends its request at once: one that has not within this long is cut off, not waited for. */
    private static final java.time.Duration REQUEST_TIME = java.time.Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(AttachedRuns.class);

    private final ServerSocketChannel listener;
    private final Path socket;
    private final Path root;
    private final KeptWarm.Serving serving;
    private final java.time.Duration requestTime;
    private final java.util.concurrent.ScheduledExecutorService timeouts = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "attached-runs-timeouts");
        thread.setDaemon(true);
        return thread;
    });

    private AttachedRuns(ServerSocketChannel listener, Path socket, Path root, KeptWarm.Serving serving, java.time.Duration requestTime) {
        this.listener = listener;
        this.socket = socket;
        this.root = root;
        this.serving = serving;
        this.requestTime = requestTime;
    }

    /** Listens on the kept-warm directory's socket (one left by a process that died is replaced) and serves each client on a thread of its own. */
    static AttachedRuns listen(Path dir, Path root, KeptWarm.Serving serving) throws IOException {
        return listen(dir, root, serving, REQUEST_TIME);
    }

    static AttachedRuns listen(Path dir, Path root, KeptWarm.Serving serving, java.time.Duration requestTime) throws IOException {
        Path socket = dir.resolve(SOCKET);
        Files.deleteIfExists(socket);
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            listener.bind(UnixDomainSocketAddress.of(socket));
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
        AttachedRuns runs = new AttachedRuns(listener, socket, root, serving, requestTime);
        Thread accepting = new Thread(runs::accept, "attached-runs");
        accepting.setDaemon(true);
        accepting.start();
        return runs;
    }

    /**
     * Goes once through a run's way here, as a dry run of the framework's command (its command line, settings, test
     * files and estimate), so that the first client does not wait for this process to load and run it the first time
     * (its command line and settings took 33-43 ms of the first run served, 6-8 ms of the next; 8-15 ms after this, measured).
     */
    void warmUp(String adapter) {
        Thread thread = new Thread(() -> {
            PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
            try {
                Optional<RequesterCommand> run = runCommand(new String[]{adapter, "--keep-warm", "--dry-run"}, nowhere, nowhere);
                if (run.isPresent()) new Requester(run.get().config(), nowhere, nowhere).run();
            } catch (Exception e) {
                log.debug("warm-up: {}", e.toString());
            }
        }, "attached-runs-warm-up");
        thread.setDaemon(true);
        thread.start();
    }

    private void accept() {
        while (listener.isOpen()) {
            SocketChannel client;
            try {
                client = listener.accept();
            } catch (IOException closed) {
                return;
            }
            Thread thread = new Thread(() -> serve(client), "attached-run");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            String peer = client.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED).user().getName();
            if (!peer.equals(System.getProperty("user.name"))) {
                log.warn("refused a client of user {}", peer);
                return;
            }
            // One buffered stream for the request and the watch after it: a cancel byte read ahead is not lost.
            InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(client));
            Frames frames = new Frames(client);
            java.util.concurrent.ScheduledFuture<?> cutOff = timeouts.schedule(() -> closeQuietly(client), requestTime.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            List<String> request = read(in);
            cutOff.cancel(false);
            Attempt attempt = attempt(request, frames);
            if (attempt.requester() == null) {
                log.info("handed a run back to its client: {}", attempt.why());
                frames.send('h', new byte[0]);
                return;
            }
            watch(in, attempt.requester(), frames);
            int status = attempt.requester().run();
            String what = String.join(" ", attempt.args());
            // Logged before the client has its status (and may look).
            if (frames.finished()) log.info("served `testbot {}` for its client, which cancelled it", what);
            else log.info("served `testbot {}` for its client: exit status {}", what, status);
            frames.exit(status);
        } catch (IOException | RuntimeException e) {
            log.warn("a client's run failed: {}", e.toString());
        }
    }

    /** The run a request asks for, or why the client should run it itself. */
    private record Attempt(Requester requester, List<String> args, String why) {
        static Attempt handBack(String why) {
            return new Attempt(null, List.of(), why);
        }
    }

    private Attempt attempt(List<String> request, Frames frames) {
        if (request.size() < 4 || !HELLO.equals(request.get(0))) return Attempt.handBack("a client of another version");
        int count;
        try {
            count = Integer.parseInt(request.get(3));
        } catch (NumberFormatException e) {
            return Attempt.handBack("a malformed request");
        }
        if (count < 1 || request.size() < 4 + count) return Attempt.handBack("a malformed request");
        if (!Path.of(request.get(1)).toAbsolutePath().normalize().equals(root)) return Attempt.handBack("run in another directory");
        Optional<Path> jar = Version.jar();
        if (jar.isEmpty() || !Path.of(request.get(2)).toAbsolutePath().normalize().equals(jar.get().toAbsolutePath().normalize())) {
            return Attempt.handBack("another testbot jar");
        }
        List<String> args = request.subList(4, 4 + count);
        Map<String, String> environment = new HashMap<>();
        for (String entry : request.subList(4 + count, request.size())) {
            int equals = entry.indexOf('=');
            if (equals > 0) environment.put(entry.substring(0, equals), entry.substring(equals + 1));
        }
        List<String> differing = KeptWarm.differingVariables(environment, System.getenv());
        if (!differing.isEmpty()) return Attempt.handBack("its environment differs (" + KeptWarm.someOf(differing) + ")");

        PrintStream out = new PrintStream(frames.stream('o'), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(frames.stream('e'), true, StandardCharsets.UTF_8);
        Optional<RequesterCommand> run;
        try {
            run = runCommand(args.toArray(String[]::new), out, err);
        } catch (CommandLine.ParameterException e) {
            return Attempt.handBack("a usage error");
        }
        if (run.isEmpty()) return Attempt.handBack("not a run");
        RequesterCommand command = run.get();
        command.servedKeptWarm = true;
        try {
            RequesterConfig config = command.config();
            return Requester.servedBy(serving, config, out, err).map(requester -> new Attempt(requester, args, null))
                    .orElseGet(() -> Attempt.handBack("not a run for this kept-warm local mode (server, instances, warm or ignores)"));
        } catch (Exception e) {
            return Attempt.handBack("its settings (" + e.getMessage() + ")");
        }
    }

    /**
     * The run command these arguments name, printing to out and err; empty for help, a version, or a command that
     * is not a run. Throws picocli's ParameterException on a usage error.
     */
    private static Optional<RequesterCommand> runCommand(String[] argv, PrintStream out, PrintStream err) {
        CommandLine.ParseResult parsed = Main.commandLine(argv).parseArgs(argv);
        CommandLine.ParseResult sub = parsed.subcommand();
        if (sub == null || parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested() || sub.isUsageHelpRequested() || sub.isVersionHelpRequested()
                || !(sub.commandSpec().userObject() instanceof RequesterCommand command)) {
            return Optional.empty();
        }
        command.out = out;
        command.err = err;
        return Optional.of(command);
    }

    /** Cancels the run's build when its client asks (Ctrl-C) or goes away, and answers it at once. */
    private static void watch(InputStream in, Requester requester, Frames frames) {
        Thread watcher = new Thread(() -> {
            try {
                while (true) {
                    int b = in.read();
                    if (b < 0 || b == 'c') break;
                }
            } catch (IOException closed) {
                // closed as the run ended, or the client went away
            }
            if (frames.finished()) return;
            requester.cancel();
            frames.exit(CANCELLED);
        }, "attached-run-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** The request's strings, each NUL-terminated, up to the empty one (read byte by byte: give a buffered stream). */
    static List<String> read(InputStream in) throws IOException {
        List<String> strings = new ArrayList<>();
        ByteArrayOutputStream current = new ByteArrayOutputStream();
        int total = 0;
        while (true) {
            int b = in.read();
            if (b < 0) throw new IOException("the client went away mid-request");
            if (++total > MAX_REQUEST_BYTES) throw new IOException("a request of more than " + MAX_REQUEST_BYTES + " bytes");
            if (b != 0) {
                current.write(b);
                continue;
            }
            if (current.size() == 0) return strings;
            strings.add(current.toString(StandardCharsets.UTF_8));
            current.reset();
        }
    }

    /** The answer's frames, from the run's threads; once the exit status is sent, nothing more. */
    static final class Frames {
        private final SocketChannel channel;
        private boolean finished;
        private boolean broken;

        Frames(SocketChannel channel) {
            this.channel = channel;
        }

        synchronized void send(char type, byte[] data) {
            send(type, data, 0, data.length);
        }

        synchronized void send(char type, byte[] data, int offset, int length) {
            if (finished || broken) return;
            ByteBuffer frame = ByteBuffer.allocate(5 + length).put((byte) type).putInt(length).put(data, offset, length).flip();
            try {
                while (frame.hasRemaining()) channel.write(frame);
            } catch (IOException gone) {
                broken = true; // the client went away: the watcher cancels the build
            }
        }

        /** Sends the exit status, the last frame, unless one was sent before (the run was cancelled). */
        synchronized void exit(int status) {
            if (finished) return;
            send('x', String.valueOf(status).getBytes(StandardCharsets.US_ASCII));
            finished = true;
        }

        synchronized boolean finished() {
            return finished;
        }

        OutputStream stream(char type) {
            return new OutputStream() {
                @Override
                public void write(int b) {
                    send(type, new byte[]{(byte) b});
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    if (len > 0) send(type, b, off, len);
                }
            };
        }
    }

    private static void closeQuietly(SocketChannel client) {
        try {
            client.close();
        } catch (IOException e) {
            // closed already
        }
    }

    @Override
    public void close() {
        timeouts.shutdownNow();
        try {
            listener.close();
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // the process is ending; a socket left behind is replaced by the next one
        }
    }
}
