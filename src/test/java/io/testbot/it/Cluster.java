package io.testbot.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Base of the integration tests: starts server, runners and requesters as separate OS processes from the packaged
 * jar, each with its own home and work dir, and ends every one of them after the test.
 */
abstract class Cluster {
    static final Duration START = Duration.ofSeconds(60);
    static final Duration BUILD = Duration.ofSeconds(180);
    static final Path JAR = Path.of(System.getProperty("testbot.jar", "target/testbot.jar")).toAbsolutePath();

    @TempDir
    Path dir;

    final List<Proc> procs = new ArrayList<>();
    int port;
    String serverHost = "127.0.0.1";
    String scheme = "http";
    String token;
    Path serverData;

    @RegisterExtension
    final TestWatcher dumpOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            procs.forEach(p -> System.err.println("---- " + p.describe()));
        }
    };

    @BeforeAll
    static void rubyAndRspecAreInstalled() throws Exception {
        Process which = new ProcessBuilder("sh", "-c", "command -v ruby && command -v rspec").redirectErrorStream(true).start();
        String found = new String(which.getInputStream().readAllBytes());
        assertThat(which.waitFor()).as("ruby and rspec must be installed (apt-get install ruby ruby-rspec); found: " + found).isZero();
        assertThat(JAR).as("run 'mvn verify' so the jar is packaged first").exists();
    }

    @AfterEach
    void stopEverything() {
        for (int i = procs.size() - 1; i >= 0; i--) procs.get(i).kill();
    }

    Proc start(String name, Path cwd, Map<String, String> env, String... args) throws IOException {
        return startAs(List.of(), JAR, name, cwd, env, args);
    }

    /** Starts testbot behind a command prefix (e.g. setpriv to run as another user) from the given jar. */
    Proc startAs(List<String> prefix, Path jar, String name, Path cwd, Map<String, String> env, String... args) throws IOException {
        Path logs = Files.createDirectories(dir.resolve("logs"));
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(javaBinary(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(cwd.toFile())
                .redirectOutput(logs.resolve(name + ".out").toFile()).redirectError(logs.resolve(name + ".err").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(k -> k.startsWith("TESTBOT_"));
        Path home = Files.createDirectories(dir.resolve("home-" + name));
        environment.put("HOME", home.toString());
        environment.put("XDG_CACHE_HOME", home.resolve(".cache").toString());
        environment.putAll(env);
        Proc proc = new Proc(name, builder.start(), logs.resolve(name + ".out"), logs.resolve(name + ".err"));
        procs.add(proc);
        return proc;
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Starts the server on a free loopback port with a generated token. */
    Proc startServer(String... extra) throws IOException {
        return startServerOn(0, extra);
    }

    /** Starts the server on the given port (0: any free one); the data dir, and so the token, stay the same. */
    Proc startServerOn(int wantedPort, String... extra) throws IOException {
        return startServerBound(wantedPort, "127.0.0.1", extra);
    }

    /** Starts the server on the given port and address. */
    Proc startServerBound(int wantedPort, String bind, String... extra) throws IOException {
        serverData = dir.resolve("server-data");
        serverHost = bind;
        List<String> args = new ArrayList<>(List.of("server", "--port", String.valueOf(wantedPort), "--bind", bind,
                "--data-dir", serverData.toString()));
        args.addAll(List.of(extra));
        Proc server = start("server-" + procs.size(), dir, Map.of(), args.toArray(String[]::new));
        String url = server.await(Pattern.compile("listening on (https?://[0-9.]+:\\d+)"), START);
        scheme = url.substring(0, url.indexOf(':'));
        port = Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
        token = Files.readString(serverData.resolve("token")).strip();
        return server;
    }

    /** A loopback port that was free a moment ago, for a server that must come back on the same one. */
    static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Starts a requester against this cluster and returns at once. */
    Proc startRequester(Path project, String... args) throws IOException {
        List<String> full = new ArrayList<>(List.of("rspec", "--connect", url()));
        full.addAll(List.of(args));
        return start("requester-" + procs.size(), project, Map.of("TESTBOT_TOKEN", token), full.toArray(String[]::new));
    }

    /** The rspec pids of the blocked spec (SampleProjects.blocked) that have started so far. */
    static java.util.Set<Long> blockedPids(Path pids) throws IOException {
        try (java.util.stream.Stream<Path> files = Files.list(pids)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("blocked-"))
                    .map(n -> Long.parseLong(n.substring("blocked-".length()))).collect(java.util.stream.Collectors.toSet());
        }
    }

    /** Waits for the blocked spec to be running and returns its rspec pid. */
    static long awaitBlocked(Path pids) throws IOException {
        org.awaitility.Awaitility.await("the blocked spec runs").atMost(START).until(() -> !blockedPids(pids).isEmpty());
        return blockedPids(pids).stream().mapToLong(Long::longValue).max().orElseThrow();
    }

    static void awaitGone(long pid) {
        org.awaitility.Awaitility.await("process " + pid + " ends").atMost(Duration.ofSeconds(15))
                .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    }

    static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) n++;
        return n;
    }

    String address() {
        return serverHost + ":" + port;
    }

    /** What clients connect to: the address with its scheme (https for a server with --tls-cert). */
    String url() {
        return scheme + "://" + address();
    }

    Proc startRunner(String name, int instances, String... extra) throws IOException {
        return startRunnerWith(Map.of(), name, instances, extra);
    }

    /** A runner with more environment (e.g. JAVA_HOME). */
    Proc startRunnerWith(Map<String, String> env, String name, int instances, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("runner", "--connect", url(), "--instances", String.valueOf(instances),
                "--work-dir", dir.resolve(name).toString(), "--hostname", name));
        args.addAll(List.of(extra));
        Map<String, String> environment = new java.util.HashMap<>(env);
        environment.put("TESTBOT_TOKEN", token);
        Proc runner = start(name, dir, environment, args.toArray(String[]::new));
        runner.await(Pattern.compile("registered with|gets no jobs"), START);
        return runner;
    }

    record Result(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    Result request(Path project, Map<String, String> env, String... args) throws Exception {
        return requestWith("rspec", project, env, args);
    }

    /** Runs a requester command (rspec, test, cucumber, run) and waits for it to exit. */
    Result requestWith(String command, Path project, Map<String, String> env, String... args) throws Exception {
        List<String> full = new ArrayList<>(List.of(command));
        full.addAll(List.of(args));
        Proc requester = start("requester-" + procs.size(), project, env, full.toArray(String[]::new));
        int exit = requester.awaitExit(BUILD);
        return new Result(exit, requester.out(), requester.err());
    }

    /** A requester against this cluster's server with its token. */
    Result requestRemote(Path project, String... args) throws Exception {
        List<String> full = new ArrayList<>(List.of("--connect", url()));
        full.addAll(List.of(args));
        return request(project, Map.of("TESTBOT_TOKEN", token), full.toArray(String[]::new));
    }

    /** A requester command against this cluster's server with its token. */
    Result requestRemoteWith(String command, Path project, String... args) throws Exception {
        List<String> full = new ArrayList<>(List.of("--connect", url()));
        full.addAll(List.of(args));
        return requestWith(command, project, Map.of("TESTBOT_TOKEN", token), full.toArray(String[]::new));
    }

    HttpResponse<String> http(String method, String path, String body, String bearer) throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://" + address() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) builder.header("Authorization", "Bearer " + bearer);
        return HttpClient.newHttpClient().send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> http(String method, String path, String body) throws Exception {
        return http(method, path, body, token);
    }

    /** A request with a binary body, answered as bytes. */
    HttpResponse<byte[]> httpBytes(String method, String path, byte[] body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address() + path))
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body)).header("Authorization", "Bearer " + token).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofByteArray());
    }
}
