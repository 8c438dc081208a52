package io.testbot.requester;

import io.testbot.adapters.Adapter;
import io.testbot.adapters.Adapters;
import io.testbot.adapters.Bundling;
import io.testbot.protocol.ApiClient;
import io.testbot.protocol.ServerApi;
import io.testbot.protocol.BlobQuery;
import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.Estimate;
import io.testbot.server.Scheduler;
import io.testbot.store.SqliteStore;
import io.testbot.protocol.Json;
import io.testbot.sync.HashCache;
import io.testbot.sync.Hashing;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Runs one build for the user: finds the test files, ships the project, submits the build, prints each job's
 * output as it finishes and one summary at the end, and returns the exit status.
 */
public final class Requester {
    private final RequesterConfig config;
    private final PrintStream out;
    private final PrintStream err;
    private final Adapter adapter;
    /** The kept-warm local mode this run goes to without looking for it: the one serving the run itself; or null. */
    private final KeptWarm.Serving serving;
    private final BuildFollower follower;

    public Requester(RequesterConfig config, PrintStream out, PrintStream err) {
        this(config, out, err, null);
    }

    private Requester(RequesterConfig config, PrintStream out, PrintStream err, KeptWarm.Serving serving) {
        this.config = config;
        this.out = out;
        this.err = err;
        this.adapter = Adapters.get(config.adapter());
        this.serving = serving;
        this.follower = new BuildFollower(config, adapter, out, err);
    }

    /**
     * A run that the project's kept-warm local mode serves in its own process (its client's output relayed): empty
     * when that is not this run's place, because it is not a kept-warm local run or asks for other settings than the
     * ones it was started with ({@link KeptWarm#identity}); the client then runs it as any run.
     */
    public static java.util.Optional<Requester> servedBy(KeptWarm.Serving serving, RequesterConfig config, PrintStream out, PrintStream err) throws IOException {
        if (config.server() != null || !config.keepWarm() || config.dryRun()) return java.util.Optional.empty();
        Requester requester = new Requester(config, out, err, serving);
        java.util.Optional<Path> jar = io.testbot.protocol.Version.jar();
        if (jar.isEmpty()) return java.util.Optional.empty();
        String identity = KeptWarm.identityHere(config.projectRoot().toAbsolutePath().normalize(), requester.localInstances(), config.warm(), config.ignores(), jar.get());
        return identity.equals(serving.identity()) ? java.util.Optional.of(requester) : java.util.Optional.empty();
    }

    /**
     * Ctrl-C in a client of the kept-warm local mode: cancels the build (now, or as soon as it is submitted) and
     * says so, as the shutdown hook of a requester's own process does.
     */
    public void cancel() {
        follower.cancel();
    }

    /**
     * Local mode boots this many workers while its server starts: they use the cores the JVM's start leaves idle
     * (measured on two cores: when each booted rspec, 8 at once cost more than they saved; now that they are forks
     * of one booted rspec, 1 and 8 measure the same, and instances fork the rest as their first jobs come).
     */
    static final int AHEAD = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);

    public int run() {
        long started = System.nanoTime();
        Path root = config.projectRoot().toAbsolutePath().normalize();
        List<String> files;
        try {
            files = filesToRun(root);
        } catch (IllegalArgumentException | IOException e) {
            err.println("testbot: " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.INFRASTRUCTURE;
        }
        if (files.isEmpty()) {
            err.println("testbot: no test files match " + String.join(", ", config.paths().isEmpty() ? config.patterns() : config.paths()) + " in " + root);
            return ExitCodes.USAGE;
        }

        if (config.dryRun()) return estimate(root, files);

        LocalMode local = null;
        KeptWarm.Expected keepWarmFor = null;
        try {
            ServerApi server = null;
            // Local mode runs in place, in this process or in the project's local mode kept warm.
            boolean inPlace = config.server() == null;
            boolean kept = false;
            if (inPlace && config.keepWarm()) {
                int instances = localInstances();
                long pid = 0;
                if (serving != null) {
                    server = serving.api();
                    pid = ProcessHandle.current().pid();
                } else {
                    java.util.Optional<KeptWarm.Connection> found = KeptWarm.find(config.cacheDir(), root, instances, config.warm(), config.ignores(), err);
                    if (found.isPresent()) {
                        server = found.get().client();
                        pid = found.get().state().pid();
                    }
                }
                if (server != null) {
                    kept = true;
                    err.println("testbot: " + files.size() + " file(s), local mode on " + instances + " instance(s), kept warm (pid " + pid + ")");
                }
            }
            if (inPlace && server == null) {
                int instances = localInstances();
                local = LocalMode.start(root, instances, config.cacheDir(), config.warm(), config.adapter(), Math.min(files.size(), AHEAD));
                server = local.api();
                err.println("testbot: " + files.size() + " file(s), local mode on " + instances + " instance(s)");
            } else if (!inPlace) {
                server = new ApiClient(config.server(), config.token());
            }
            ServerApi api = server;
            List<String> options = new ArrayList<>(config.options());
            // The options as they work on this machine (for listing tests): in place, the classpath is already so.
            List<String> optionsHere = options;
            ShippedClasspath classpath = null;
            // Only a build that ships the project needs digests; local mode runs in place.
            HashCache hashes = inPlace ? HashCache.none() : hashCache(root);
            if (config.classpath() != null) {
                classpath = ShippedClasspath.of(root, config.classpath(), inPlace, hashes);
                options.addAll(List.of("--class-path", classpath.value()));
                if (!inPlace) {
                    optionsHere = new ArrayList<>(config.options());
                    optionsHere.addAll(List.of("--class-path", ShippedClasspath.of(root, config.classpath(), true, hashes).value()));
                }
            }
            List<String> listingOptions = optionsHere;
            // Listing the tests of slow files runs the framework here; it overlaps the upload.
            int localInstances = inPlace ? localInstancesAtOnce() : 0;
            CompletableFuture<List<String>> entries = splits()
                    ? CompletableFuture.supplyAsync(() -> splitSlowFiles(api, root, files, listingOptions, localInstances))
                    : CompletableFuture.completedFuture(files);
            ProjectShipment shipment = null;
            if (!inPlace && server instanceof ApiClient client) {
                err.println("testbot: " + files.size() + " file(s) for " + client.base());
                shipment = new ProjectShipment(client, root, config.ignores(), hashes, classpath, err);
            }
            List<String> submitted = entries.join();
            BuildRequest request = new BuildRequest(projectKey(root), adapter.name(), submitted, options, config.beforeRun(),
                    shipment == null ? null : shipment.manifest(), config.filesPerJob(), requestedBy(), config.failFast(), config.jobTimeout(), config.retryFailed(),
                    shipment == null ? sizes(root, files) : null, environment(root), config.patterns());
            if (local != null && config.keepWarm()) {
                keepWarmFor = new KeptWarm.Expected(request.adapter(), request.options(), files, request.environment(), request.patterns());
            }
            BuildInfo build;
            try {
                build = server.submit(request);
            } catch (ApiClient.UnreachableException e) {
                if (!kept) throw e;
                // It ended since it answered (killed, say): nothing of this build ran there.
                err.println("testbot: the local mode kept warm did not take the build (" + e.getMessage() + "); running it in this process");
                return new Requester(config.locally(), out, err).run();
            } catch (ApiClient.ApiException e) {
                if (e.status() != 409 || shipment == null) throw e;
                // The server lacks files this machine did not ask about (they were unchanged here), or deleted some
                // it had when asked (its housekeeping): send what it lacks, and submit again.
                shipment.sendMissing();
                build = server.submit(request);
            }
            String what = submitted.size() == files.size() ? files.size() + " file(s)" : files.size() + " file(s) (" + submitted.size() + " entries after splitting)";
            return follower.follow(server, build, submitted, what, started);
        } catch (BuildFollower.NoRunnerException e) {
            err.println("testbot: running the build on this machine instead (--local-fallback)");
            return new Requester(config.locally(), out, err).run();
        } catch (ApiClient.AuthException | ApiClient.UnreachableException e) {
            err.println("testbot: " + e.getMessage());
            return ExitCodes.INFRASTRUCTURE;
        } catch (ApiClient.ApiException e) {
            err.println("testbot: the server refused the build: " + e.getMessage());
            return e.status() == 400 || e.status() == 413 ? ExitCodes.USAGE : ExitCodes.INFRASTRUCTURE;
        } catch (IOException e) {
            err.println("testbot: " + e.getMessage());
            return ExitCodes.INFRASTRUCTURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.INFRASTRUCTURE;
        } finally {
            if (local != null) local.close();
            if (keepWarmFor != null) keepWarm(root, keepWarmFor);
        }
    }

    /** After a build in this process: starts the project's local mode kept warm, for the next run. */
    private void keepWarm(Path root, KeptWarm.Expected expected) {
        try {
            KeptWarm.start(config.cacheDir(), root, localInstances(), config.warm(), config.ignores(), expected, err);
        } catch (IOException e) {
            err.println("testbot: could not keep local mode warm: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The test files: those the patterns find in the paths given (which must exist in the project), or, where the
     * framework's own configuration changes the choice (rspec's .rspec), those the framework says it would run.
     */
    private List<String> filesToRun(Path root) throws IOException, InterruptedException {
        List<String> found = TestFiles.collect(root, config.patterns(), config.paths());
        List<String> frameworks;
        try {
            frameworks = FileChoices.filesToRun(adapter, root, config.patterns(), config.paths(), config.options(), config.ignores(), config.cacheDir());
        } catch (IOException e) {
            err.println("testbot: cannot ask " + adapter.name() + " which files its configuration selects (" + e.getMessage() + "); running "
                    + String.join(", ", config.paths().isEmpty() ? config.patterns() : config.paths()));
            frameworks = null;
        }
        return (frameworks != null ? frameworks : found).stream().filter(adapter::isTestFile).toList();
    }

    /**
     * The requester's variables that the framework reads, for the build to carry; with or without Bundler as
     * --[no-]bundle-exec says, where the framework runs under it at all.
     */
    private Map<String, String> environment(Path root) throws IOException {
        Map<String, String> environment = new HashMap<>(adapter.requesterEnvironment(root));
        if (config.bundleExec() != null && adapter.requesterVariables().contains(Bundling.GEMFILE_VARIABLE)) {
            environment.remove(Bundling.GEMFILE_VARIABLE);
            environment.putAll(Bundling.environment(root, config.bundleExec()));
        }
        return environment;
    }

    /** Local mode's instance count: as configured, or this machine's CPU count. */
    private int localInstances() {
        return config.instances() > 0 ? config.instances() : Runtime.getRuntime().availableProcessors();
    }

    /** How many of local mode's instances run the build's jobs at once: for JUnit, no more than its JVMs (see LocalMode#jvms). */
    private int localInstancesAtOnce() {
        return adapter.processesBoundToCores() ? Math.min(localInstances(), LocalMode.jvms()) : localInstances();
    }

    /**
     * Started first thing in a requester's JVM, on the core that reading the command line leaves idle: builds the
     * JSON mapping with the readers and writers of the build's first requests, and loads the digest, HTTP and
     * host-name classes, which the main thread would otherwise take its turn at once the command line is read. In
     * the order the main thread needs them: the project's key (host name, digest) comes first, and when it came
     * after the JSON it was not ready in time (18 against 2-11 ms for the key on the main thread, measured).
     */
    public static void warmUpInBackground() {
        inBackground(() -> {
            hostname();
            Hashing.sha256();
            Json.prepare(BlobQuery.class, BuildRequest.class, BuildInfo.class, Estimate.Reply.class);
            java.net.URI.create("http://127.0.0.1/").toURL().openConnection();
        });
    }

    interface WarmUp {
        void run() throws IOException;
    }

    /** Runs a warm-up on a daemon thread; its errors are dropped, since the real thing will say what is wrong. */
    static void inBackground(WarmUp warmUp) {
        Thread thread = new Thread(() -> {
            try {
                warmUp.run();
            } catch (IOException | RuntimeException e) {
                // only a warm-up
            }
        }, "warm-up");
        thread.setDaemon(true);
        thread.start();
    }

    /** What starting a job costs before any is measured: local mode knows its mode; a server's runners decide theirs. */
    private double assumedJobOverhead() {
        return adapter.assumedJobOverhead(config.server() == null && !config.warm());
    }

    /** --dry-run: the expected wall time from history, from the server or from local mode's own store. */
    private int estimate(Path root, List<String> files) {
        Estimate.Request request = new Estimate.Request(projectKey(root), adapter.name(), files);
        try {
            if (config.server() == null) {
                int instances = localInstancesAtOnce();
                try (SqliteStore store = new SqliteStore(LocalMode.dataDir(config.cacheDir()).resolve("testbot.sqlite"))) {
                    EstimateReport.print(out, files, Scheduler.estimate(store, request, instances, !config.warm()), instances, "in local mode", splits(), assumedJobOverhead());
                }
            } else {
                ApiClient client = new ApiClient(config.server(), config.token());
                Estimate.Reply reply = client.estimate(request);
                EstimateReport.print(out, files, reply, reply.availableInstances(), "on " + client.base(), splits(), assumedJobOverhead());
            }
            return ExitCodes.PASSED;
        } catch (IOException e) {
            err.println("testbot: " + e.getMessage());
            return ExitCodes.INFRASTRUCTURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.INFRASTRUCTURE;
        }
    }

    /**
     * Splits the files that history says would hold the build up (see {@link SlowFiles}) into parts the framework
     * can run apart. Anything that goes wrong here only costs balance: the files then run whole.
     *
     * @param options   the framework's options as they work on this machine
     * @param instances the instances that will run the build, or 0 for as many as the server has now
     */
    private List<String> splitSlowFiles(ServerApi server, Path root, List<String> files, List<String> options, int instances) {
        try {
            Estimate.Reply history = server.estimate(new Estimate.Request(projectKey(root), adapter.name(), files));
            Map<String, Integer> pieces = SlowFiles.pieces(files, history, instances > 0 ? instances : history.availableInstances(), assumedJobOverhead());
            if (pieces.isEmpty()) return files;
            long began = System.nanoTime();
            Map<String, List<String>> parts = adapter.split(root, pieces, options, config.cacheDir().resolve("tools"));
            if (parts.isEmpty()) return files;
            String listed = adapter.splitListsTests() ? String.format(" (%s listed their tests in %.2f s)", adapter.name(), (System.nanoTime() - began) / 1e9) : "";
            err.printf("testbot: split %d slow file(s) into %d parts%s%n", parts.size(), parts.values().stream().mapToInt(List::size).sum(), listed);
            return SlowFiles.entries(files, parts);
        } catch (IOException | RuntimeException e) {
            err.println("testbot: running slow files whole: " + e.getMessage());
            return files;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return files;
        }
    }

    private boolean splits() {
        return config.split() && adapter.canSplit();
    }

    private HashCache hashCache(Path root) {
        return HashCache.load(config.cacheDir().resolve("hashes").resolve(projectKey(root) + ".digests"));
    }

    /** The test files' sizes: with no manifest, what orders a build that has no runtime history. */
    private static Map<String, Long> sizes(Path root, List<String> files) {
        Map<String, Long> sizes = new HashMap<>();
        for (String file : files) {
            try {
                sizes.put(file, Files.size(root.resolve(file)));
            } catch (IOException gone) {
                // the framework will say so when it runs it
            }
        }
        return sizes;
    }

    /** Names the project on the server and in runners' work dirs: its folder name plus a digest of where it is. */
    public static String projectKey(Path root) {
        String where = hostname() + ":" + root.toAbsolutePath().normalize();
        String name = root.getFileName() == null ? "project" : root.getFileName().toString();
        return name + "-" + Hashing.sha256(where.getBytes(StandardCharsets.UTF_8)).substring(0, 10);
    }

    private static String requestedBy() {
        return System.getProperty("user.name", "someone") + "@" + hostname();
    }

    static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
