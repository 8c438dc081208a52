package io.testbot.requester;

import io.testbot.protocol.ApiClient;
import io.testbot.protocol.Json;
import io.testbot.protocol.Version;
import io.testbot.sync.Hashing;
import io.testbot.sync.PrivateFiles;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Local mode kept warm (--keep-warm, keep_warm in .testbot.yml): rather than a server and a runner in its own
 * process, which end with it, the requester uses ones kept running in the background for the project (`testbot local
 * serve`, started at the end of the first such run, which runs in its own process as plain local mode). Their runner
 * boots each instance's worker ahead of the next build, as a farm's runners do, so that a build that changed only test files runs in workers whose helpers are loaded already,
 * as Spring keeps an application booted. It serves on loopback with a token of its own, and runs builds in place in
 * the environment it was started in: a requester uses it only when its own environment, testbot's jar, the project's
 * ignores and the instance settings are what it was started with, and otherwise ends it and starts another. It ends
 * itself after {@link #DEFAULT_IDLE} without a build.
 */
public final class KeptWarm {
    private KeptWarm() {}

    public static final Duration DEFAULT_IDLE = Duration.ofMinutes(30);
    /** Variables a shell changes between commands, which the tests' behaviour does not depend on. */
    private static final java.util.Set<String> VOLATILE = java.util.Set.of("_", "PWD", "OLDPWD", "SHLVL", "COLUMNS", "LINES");
    private static final String STATE_FILE = "state.json";
    private static final String STARTING_FILE = "starting.pid";
    private static final String LOCK_FILE = "start.lock";
    private static final String PROJECT_FILE = "project";
    private static final long START_WAIT_MILLIS = 15_000;
    private static final long LOG_ROLL_BYTES = 1L << 20;

    /**
     * What a kept-warm local mode writes once it serves; the file goes when it ends.
     *
     * @param identity  what it was started for ({@link #identity}): a requester whose identity differs does not use it
     * @param variables the environment it runs builds in, each variable's value as a digest (to say which differs)
     */
    public record State(long pid, int port, String token, String identity, String version, String root, int instances,
                        Map<String, String> variables, long startedMillis) {}

    /** A kept-warm local mode to submit to. */
    public record Connection(ApiClient client, State state) {}

    /** A kept-warm local mode as it serves a client's run itself: its server in process, and the identity it was started for. */
    public record Serving(io.testbot.protocol.ServerApi api, String identity) {}

    /**
     * The variables whose values differ between a client's environment and this process's, sorted, what a shell
     * changes between commands left out; testbot's own count here (TESTBOT_SERVER, say, makes it another run).
     */
    public static List<String> differingVariables(Map<String, String> client, Map<String, String> own) {
        java.util.TreeSet<String> differing = new java.util.TreeSet<>();
        for (String name : union(client.keySet(), own.keySet())) {
            if (!VOLATILE.contains(name) && !java.util.Objects.equals(client.get(name), own.get(name))) differing.add(name);
        }
        return List.copyOf(differing);
    }

    /** The first five names, and "..." for more: what a message about differing variables says. */
    public static String someOf(List<String> names) {
        return String.join(", ", names.subList(0, Math.min(5, names.size()))) + (names.size() > 5 ? ", ..." : "");
    }

    /** The project's kept-warm directory: its state, log, and the server's and runner's files. */
    public static Path dir(Path cacheDir, Path root) {
        String key = Hashing.sha256(root.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        return LocalMode.dataDir(cacheDir).resolve("kept").resolve(key);
    }

    /** The environment as the builds see it, each value as a digest; what a shell changes between commands left out. */
    public static Map<String, String> variables(Map<String, String> environment) {
        Map<String, String> digests = new TreeMap<>();
        environment.forEach((name, value) -> {
            if (!VOLATILE.contains(name) && !name.startsWith("TESTBOT_")) digests.put(name, Hashing.sha256(value.getBytes(StandardCharsets.UTF_8)));
        });
        return digests;
    }

    /** The identity of a run with these settings from this process, in its environment ({@link #identity}). */
    static String identityHere(Path root, int instances, boolean warm, List<String> ignores, Path jar) throws IOException {
        return identity(root, instances, warm, ignores, variables(System.getenv()), jar);
    }

    /** What a kept-warm local mode must have been started with to take this run's builds. */
    static String identity(Path root, int instances, boolean warm, List<String> ignores, Map<String, String> variables, Path jar) throws IOException {
        StringBuilder text = new StringBuilder();
        text.append(Version.CURRENT).append('\n').append(jar).append(' ').append(Files.size(jar)).append(' ')
                .append(Files.getLastModifiedTime(jar).toMillis()).append('\n').append(root).append('\n')
                .append(instances).append(warm ? " warm" : " cold").append('\n').append(String.join("\u0000", ignores)).append('\n');
        variables.forEach((name, digest) -> text.append(name).append('=').append(digest).append('\n'));
        return Hashing.sha256(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * What the first run's build was, for the kept-warm local mode it starts to boot each instance's worker ahead of
     * the next run as that build's jobs booted theirs.
     */
    public record Expected(String adapter, List<String> options, List<String> files, Map<String, String> environment, List<String> patterns) {}

    /**
     * The project's kept-warm local mode, if one runs that was started for this run's settings and answers (one
     * still starting is waited for). One started for other settings is ended, saying why. Empty when there is none:
     * the caller runs the build in its own process and then {@link #start}s one for the next run.
     */
    public static Optional<Connection> find(Path cacheDir, Path root, int instances, boolean warm, List<String> ignores, PrintStream err)
            throws IOException, InterruptedException {
        Optional<Path> jar = Version.jar();
        if (jar.isEmpty()) return Optional.empty();
        Path dir = PrivateFiles.directory(dir(cacheDir, root));
        Map<String, String> variables = variables(System.getenv());
        String identity = identity(root, instances, warm, ignores, variables, jar.get());
        try (FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = channel.lock()) {
            Optional<State> running = running(dir).or(() -> awaitStarting(dir));
            if (running.isEmpty()) return Optional.empty();
            State state = running.get();
            ApiClient client = client(state);
            if (state.identity().equals(identity) && answers(client)) return Optional.of(new Connection(client, state));
            err.println("testbot: ending the local mode kept warm since " + ago(state.startedMillis()) + " (pid " + state.pid() + "): "
                    + (state.identity().equals(identity) ? "it does not answer" : difference(state, instances, variables)) + "; this run starts another");
            stop(dir, state);
            return Optional.empty();
        }
    }

    /**
     * Starts the project's kept-warm local mode in the background for the next run, which boots each instance's
     * worker ahead as the expected build's jobs booted theirs; returns at once. Nothing when testbot runs from
     * classes (no jar to start), or another run started one meanwhile.
     */
    public static void start(Path cacheDir, Path root, int instances, boolean warm, List<String> ignores, Expected expected, PrintStream err)
            throws IOException, InterruptedException {
        Optional<Path> jar = Version.jar();
        if (jar.isEmpty()) {
            err.println("testbot: --keep-warm needs testbot's jar (run bin/testbot): nothing kept warm");
            return;
        }
        Path dir = PrivateFiles.directory(dir(cacheDir, root));
        String identity = identityHere(root, instances, warm, ignores, jar.get());
        try (FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = channel.lock()) {
            if (running(dir).isPresent() || starting(dir).isPresent()) return;
            Path expectedFile = PrivateFiles.file(dir.resolve("expected.json"));
            Json.MAPPER.writeValue(expectedFile.toFile(), expected);
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
            command.addAll(classArchive(jar.get()));
            command.addAll(List.of("-jar", jar.get().toString(), "local", "serve", "--project", root.toString(), "--instances", String.valueOf(instances),
                    warm ? "--warm" : "--no-warm", "--identity", identity, "--expect", expectedFile.toString()));
            for (String ignore : ignores) command.addAll(List.of("--ignore", ignore));
            Path log = dir.resolve("log");
            // One log per project, kept across restarts: the last one before is kept once it is a megabyte.
            if (Files.isRegularFile(log) && Files.size(log) > LOG_ROLL_BYTES) {
                Files.move(log, dir.resolve("log.1"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            PrivateFiles.file(log);
            Files.deleteIfExists(dir.resolve(STATE_FILE));
            long pid = detached(root, log, command);
            Files.writeString(PrivateFiles.file(dir.resolve(STARTING_FILE)), pid + " " + identity + "\n");
            Files.writeString(dir.resolve(PROJECT_FILE), root + "\n");
            err.println("testbot: keeping local mode warm for the next run (pid " + pid + "; it ends after "
                    + DEFAULT_IDLE.toMinutes() + " minutes without a build, or with `testbot local stop`; --no-keep-warm or keep_warm: false runs without it)");
        }
    }

    /**
     * The class-data archive that bin/testbot records beside the jar from a run (docs/benchmarks.md), if there is
     * one for this jar: the process serves 0.67-0.69 s after it starts instead of 0.98-1.05 s (measured on two
     * cores), and boots the workers ahead that much sooner.
     */
    private static List<String> classArchive(Path jar) throws IOException {
        Path archive = jar.resolveSibling("testbot.jsa");
        if (!Files.isRegularFile(archive) || Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) <= 0) return List.of();
        return List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-XX:SharedArchiveFile=" + archive);
    }

    /**
     * Starts the command in the project's directory (its PWD, which the builds inherit, is the project's, as in plain
     * local mode run from there), in the background, in a session of its own (a Ctrl-C in this terminal does not
     * reach it), logging to log, and returns its pid. A shell starts it and exits, so this JVM has no live child: one that has
     * takes a third of a second longer to exit (measured, OpenJDK 17).
     */
    private static long detached(Path root, Path log, List<String> command) throws IOException, InterruptedException {
        List<String> shell = new ArrayList<>(List.of("sh", "-c", "log=$1; shift; setsid \"$@\" >> \"$log\" 2>&1 < /dev/null & echo $!", "sh", log.toString()));
        shell.addAll(command);
        Process starter = new ProcessBuilder(shell).directory(root.toFile()).redirectErrorStream(true).start();
        String printed = new String(starter.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (starter.waitFor() != 0 || !printed.matches("[0-9]+")) throw new IOException("could not start it in the background: " + printed);
        return Long.parseLong(printed);
    }

    /** The process a run started that has not written its state yet, if it still runs (setsid execs it: same pid). */
    private static Optional<ProcessHandle> starting(Path dir) {
        try {
            String[] fields = Files.readString(dir.resolve(STARTING_FILE)).strip().split(" ");
            return fields.length == 2 ? live(Long.parseLong(fields[0]), fields[1]) : Optional.empty();
        } catch (IOException | NumberFormatException none) {
            return Optional.empty();
        }
    }

    /**
     * The process if it runs and is the kept-warm local mode started for that identity: after a SIGKILL or a
     * reboot, a state or starting file may name a pid that another process has since.
     */
    private static Optional<ProcessHandle> live(long pid, String identity) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(line -> line.contains(" local serve ") && line.contains(identity)).orElse(false));
    }

    /** The state of the kept-warm local mode still starting, once it serves; empty if none starts or it ends first. */
    private static Optional<State> awaitStarting(Path dir) {
        Optional<ProcessHandle> process = starting(dir);
        if (process.isEmpty()) return Optional.empty();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_WAIT_MILLIS);
        try {
            while (System.nanoTime() < deadline && process.get().isAlive()) {
                Optional<State> state = read(dir).filter(s -> s.pid() == process.get().pid());
                if (state.isPresent()) return state;
                Thread.sleep(20); // a process's start, polled: nothing to wait on across processes
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }

    /** The state of the project's kept-warm local mode if its process still runs. */
    public static Optional<State> running(Path dir) {
        return read(dir).filter(state -> live(state.pid(), state.identity()).isPresent());
    }

    private static Optional<State> read(Path dir) {
        try {
            return Optional.of(Json.MAPPER.readValue(dir.resolve(STATE_FILE).toFile(), State.class));
        } catch (IOException absentOrPartial) {
            return Optional.empty();
        }
    }

    /** Written by the kept-warm local mode once it serves (owner only: the token is in it). */
    public static void write(Path dir, State state) throws IOException {
        ReportFiles.writeAtomically(dir.resolve(STATE_FILE), out -> Json.MAPPER.writeValue(out, state)); // a temporary file is 0600
        Files.deleteIfExists(dir.resolve(STARTING_FILE)); // it serves: no longer starting
    }

    /** Removes the state file if it is still this process's. */
    public static void forget(Path dir, long pid) {
        if (read(dir).map(state -> state.pid() == pid).orElse(false)) {
            try {
                Files.deleteIfExists(dir.resolve(STATE_FILE));
            } catch (IOException e) {
                // the next run sees its process gone
            }
        }
    }

    /** Ends the project's kept-warm local mode, serving or still starting (a build it runs is stopped); the pid it ended. */
    public static java.util.OptionalLong end(Path dir) throws InterruptedException {
        Optional<State> state = running(dir);
        if (state.isPresent()) {
            stop(dir, state.get());
            return java.util.OptionalLong.of(state.get().pid());
        }
        Optional<ProcessHandle> starting = starting(dir);
        if (starting.isEmpty()) return java.util.OptionalLong.empty();
        end(starting.get());
        return java.util.OptionalLong.of(starting.get().pid());
    }

    private static void stop(Path dir, State state) throws InterruptedException {
        live(state.pid(), state.identity()).ifPresent(KeptWarm::end);
        forget(dir, state.pid());
    }

    /** SIGTERM (its shutdown hook stops its jobs), then SIGKILL if it has not ended within 15 s. */
    private static void end(ProcessHandle process) {
        process.destroy();
        try {
            process.onExit().get(15, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The directories of this cache's kept-warm local modes, one per project that had one. */
    public static List<Path> all(Path cacheDir) throws IOException {
        Path kept = LocalMode.dataDir(cacheDir).resolve("kept");
        if (!Files.isDirectory(kept)) return List.of();
        try (var dirs = Files.list(kept)) {
            return dirs.filter(Files::isDirectory).sorted().toList();
        }
    }

    /** The project a kept-warm directory is for. */
    public static String projectOf(Path dir) {
        try {
            return Files.readString(dir.resolve(PROJECT_FILE)).strip();
        } catch (IOException e) {
            return dir.toString();
        }
    }

    /** The pid of the project's kept-warm local mode still starting, if one is. */
    public static java.util.OptionalLong startingPid(Path dir) {
        return starting(dir).map(p -> java.util.OptionalLong.of(p.pid())).orElse(java.util.OptionalLong.empty());
    }

    private static ApiClient client(State state) {
        return new ApiClient("http://127.0.0.1:" + state.port(), state.token());
    }

    private static boolean answers(ApiClient client) {
        try {
            client.getText("/health");
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Why a kept-warm local mode does not take this run's builds, in a few words. */
    private static String difference(State state, int instances, Map<String, String> variables) {
        if (!Version.CURRENT.equals(state.version())) return "it is testbot " + state.version() + ", this is " + Version.CURRENT;
        if (state.instances() != instances) return "it runs " + state.instances() + " instance(s), this run asks for " + instances;
        List<String> changed = differingVariables(state.variables(), variables);
        if (!changed.isEmpty()) return "the environment differs (" + someOf(changed) + ")";
        return "testbot's jar, the project's ignores or --[no-]warm changed";
    }

    private static java.util.Set<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        java.util.Set<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return all;
    }

    static String ago(long millis) {
        long seconds = Math.max(0, (System.currentTimeMillis() - millis) / 1000);
        return seconds < 120 ? seconds + " s ago" : seconds < 7200 ? seconds / 60 + " min ago" : seconds / 3600 + " h ago";
    }
}
