package io.testbot.runner;

import io.testbot.adapters.Adapter;
import io.testbot.adapters.Adapters;
import io.testbot.adapters.Bundling;
import io.testbot.protocol.ApiClient;
import io.testbot.protocol.BlobQuery;
import io.testbot.protocol.FileEntry;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.JobAssignment;
import io.testbot.protocol.JobResult;
import io.testbot.protocol.Json;
import io.testbot.protocol.Runners;
import io.testbot.protocol.ServerApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * A runner: registers with the server, keeps a heartbeat (which also brings cancellations), and runs up to N jobs
 * at once, each instance pulling its next job with a long-poll as soon as it is free.
 */
public final class Runner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Runner.class);
    static final long JOB_WAIT_MILLIS = 20_000;
    /** How long a heartbeat may wait at the server for a job to stop: the runner checks in about once a second. */
    static final long HEARTBEAT_WAIT_MILLIS = 1_000;
    /**
     * While the runner has fewer spare workers than instances, an instance that finds nothing queued just after a
     * job, or that has waited this long for one, queues the boot of one.
     */
    static final long SPARE_AFTER_IDLE_MILLIS = 200;
    /** How many builds back a runner remembers a build's before_run outcome and whether its queue drained: older ones have long finished. */
    static final long REMEMBERED_BUILDS = 1_000;

    private final RunnerConfig config;
    private final ServerApi server;
    /** The server over HTTP, which also serves the project's files; null for a runner in the server's process. */
    private final ApiClient http;
    private final Workspace workspace;
    private final Map<Long, Process> running = new ConcurrentHashMap<>();
    /** Jobs handed to this runner and not yet reported: what its heartbeat says it holds. */
    private final java.util.Set<Long> held = ConcurrentHashMap.newKeySet();
    private final java.util.Set<Long> cancelled = ConcurrentHashMap.newKeySet();
    private final java.util.Set<Long> timedOut = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.ScheduledExecutorService timeouts = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "runner-job-timeouts");
        t.setDaemon(true);
        return t;
    });
    private final Map<Long, CompletableFuture<BeforeRun>> beforeRuns = new ConcurrentHashMap<>();
    /** Each instance's warm worker, for the build it last ran (frameworks that have one). */
    private final Map<Integer, WarmWorker> workers = new ConcurrentHashMap<>();
    /** Workers let go that may not have ended yet. */
    private final java.util.Set<CompletableFuture<Process>> retiring = ConcurrentHashMap.newKeySet();
    /** Builds that had no job left in their queue when one was handed to this runner: their idle workers end. */
    private final java.util.Set<Long> drainedBuilds = ConcurrentHashMap.newKeySet();
    private final Spares spares;
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile String runnerId;
    private volatile String fatal;
    private volatile boolean toldOutdated;
    private final java.util.concurrent.atomic.AtomicBoolean warmedUp = new java.util.concurrent.atomic.AtomicBoolean();

    private record BeforeRun(boolean ok, String output) {}

    /** A runner that asks its server over HTTP and takes over spare workers booted ahead (with warm workers on). */
    public Runner(RunnerConfig config, Spares spares) throws IOException {
        this(config, spares, new ApiClient(config.server(), config.token()));
    }

    /**
     * As {@link #Runner(RunnerConfig, Spares)}, asking its server through the given API: local mode's runner calls its
     * embedded server in process, and runs only in-place builds.
     */
    public Runner(RunnerConfig config, Spares spares, ServerApi server) throws IOException {
        this.config = config;
        this.server = server;
        this.http = server instanceof ApiClient client ? client : null;
        this.workspace = new Workspace(config.workDir());
        this.spares = spares;
    }

    /** Registers (waiting for the server if it is not up yet) and starts the heartbeat and instance threads. */
    public void start() throws IOException, InterruptedException {
        register();
        threads.add(daemon("heartbeat", this::heartbeatLoop));
        for (int i = 1; i <= config.instances(); i++) {
            int instance = i;
            threads.add(daemon("instance-" + i, () -> instanceLoop(instance)));
        }
        threads.forEach(Thread::start);
    }

    public String runnerId() {
        return runnerId;
    }

    /** Blocks until the runner stops; returns the reason when it stopped on an error it cannot recover from. */
    public String awaitStop() throws InterruptedException {
        stopped.await();
        return fatal;
    }

    /** Registers again after the server forgot this runner, once, however many threads noticed. */
    private synchronized void registerAgain(String forgottenId) throws IOException, InterruptedException {
        if (forgottenId.equals(runnerId)) register();
    }

    private synchronized void register() throws IOException, InterruptedException {
        long backoff = 200;
        while (!stopping) {
            try {
                Runners.Registered registered = server.register(new Runners.Registration(config.hostname(), config.version(),
                        config.instances(), config.workDir().toString()));
                runnerId = registered.runnerId();
                if (registered.upToDate()) {
                    log.info("registered with {} as {} ({} instance(s), work dir {})", server.describe(), runnerId, config.instances(), config.workDir());
                } else {
                    log.warn("this runner is version {} but the server is {}: it gets no jobs until it is updated", config.version(), registered.serverVersion());
                }
                return;
            } catch (ApiClient.UnreachableException e) {
                log.warn("{}; retrying", e.getMessage());
                Thread.sleep(backoff);
                backoff = Math.min(5_000, backoff * 2);
            }
        }
    }

    private void heartbeatLoop() {
        while (!stopping) {
            String id = runnerId;
            try {
                Runners.HeartbeatReply reply = server.heartbeat(id, new Runners.Heartbeat(List.copyOf(held)), HEARTBEAT_WAIT_MILLIS);
                if (!reply.known()) {
                    log.warn("the server does not know this runner (restarted with another data dir?); registering again");
                    registerAgain(id);
                }
                for (Long jobId : reply.cancelJobs()) cancelJob(jobId);
            } catch (ApiClient.AuthException e) {
                fail(e.getMessage());
            } catch (IOException e) {
                pause(e);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void instanceLoop(int instance) {
        boolean justWorked = false;
        while (!stopping) {
            String id = runnerId;
            try {
                boolean wantsSpare = config.warmWorkers() && !stopping && spares.wanted();
                // Just after a job, nothing queued means this instance idles until another build: its spare boots at
                // once, beside the build's last jobs, rather than once it has waited, when the next build's requester
                // may be starting (on two cores the forks took 75 ms from a requester started just as a build ended).
                long wait = !wantsSpare ? JOB_WAIT_MILLIS : justWorked ? 0 : SPARE_AFTER_IDLE_MILLIS;
                justWorked = false;
                JobAssignment job = server.nextJob(id, wait);
                if (job == null) {
                    // No job came at once: boot the next build's worker now, while this instance is idle anyway.
                    if (wantsSpare) spares.bootIfWanted();
                    continue;
                }
                justWorked = true;
                held.add(job.jobId());
                if (job.queueDrained() && drainedBuilds.add(job.buildId())) {
                    drainedBuilds.removeIf(buildId -> buildId < job.buildId() - REMEMBERED_BUILDS);
                    // The other instances' workers of the build get no more jobs; this one's runs this job.
                    WarmWorker own = workers.get(instance);
                    retireIdleWorkers(worker -> worker.buildId() == job.buildId() && worker != own);
                }
                try {
                    JobResult result = run(job, instance);
                    // Nothing of its build is queued: its worker ends now, beside the report, not once the build is over.
                    if (drainedBuilds.contains(job.buildId())) retireIdleWorkers(worker -> worker.buildId() == job.buildId());
                    if (result != null) report(job, result);
                } finally {
                    held.remove(job.jobId());
                }
            } catch (ApiClient.AuthException e) {
                fail(e.getMessage());
            } catch (ApiClient.ApiException e) {
                if (e.status() == 404) {
                    try {
                        registerAgain(id);
                    } catch (IOException | InterruptedException again) {
                        pause(again);
                    }
                } else if (e.status() == 409) {
                    if (!toldOutdated) log.warn("{}", e.getMessage());
                    toldOutdated = true;
                    sleepQuietly(5_000);
                } else {
                    pause(e);
                }
            } catch (IOException e) {
                pause(e);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Builds, once and in the background, what a job's first round trip needs: the readers of a job and of a
     * manifest, and the writer of a result (JobResult's alone was 10-20 ms of CPU between a fresh runner's first
     * job ending and its result reaching the server). testbot runner calls it once registered; local mode's runner,
     * in the server's process, sends nothing through JSON.
     */
    public void warmUp() {
        if (!warmedUp.compareAndSet(false, true)) return;
        daemon("warm-up", () -> {
            try {
                Json.prepare(JobAssignment.class, FileEntry.class, BlobQuery.class, Runners.HeartbeatReply.class, Runners.ResultReply.class);
                Json.MAPPER.writeValueAsBytes(Json.SAMPLE_RESULT);
            } catch (IOException | RuntimeException e) {
                log.debug("warm-up: {}", e.toString()); // the real thing will say what is wrong
            }
        }).start();
    }

    private void report(JobAssignment job, JobResult result) throws InterruptedException {
        for (int attempt = 0; !stopping; attempt++) {
            try {
                Runners.ResultReply reply = server.reportResult(job.jobId(), result);
                // Its workers will get no more jobs: they end now, not when the instance next works (or the runner stops).
                if (reply != null && reply.buildOver()) retireIdleWorkers(worker -> worker.buildId() == job.buildId());
                return;
            } catch (ApiClient.ApiException e) {
                if (e.status() < 500) {
                    log.warn("job {}: result not accepted: {}", job.jobId(), e.getMessage());
                    return;
                }
                log.warn("job {}: cannot report result yet: {}", job.jobId(), e.getMessage());
                Thread.sleep(Math.min(5_000, 200L << Math.min(attempt, 5)));
            } catch (IOException e) {
                log.warn("job {}: cannot report result yet: {}", job.jobId(), e.getMessage());
                Thread.sleep(Math.min(5_000, 200L << Math.min(attempt, 5)));
            }
        }
    }

    JobResult run(JobAssignment job, int instance) throws InterruptedException {
        Adapter adapter = Adapters.find(job.adapter()).orElse(null);
        String testEnvNumber = JobEnvironment.testEnvNumber(instance);
        String display = adapter == null ? job.adapter() : (testEnvNumber.isEmpty() ? "" : "TEST_ENV_NUMBER=" + testEnvNumber + " ")
                + adapter.displayCommand(job.files(), job.options());
        long started = System.nanoTime();
        if (adapter == null) return errored(job, instance, display, "this runner does not know the adapter '" + job.adapter() + "'", started);

        Workspace.Copy copy = null;
        Path root;
        try {
            if (job.inPlace()) {
                if (config.inPlaceRoot() == null) return errored(job, instance, display, "this runner does not run in-place builds", started);
                root = config.inPlaceRoot();
            } else {
                if (http == null) return errored(job, instance, display, "this runner runs only in-place builds", started);
                copy = workspace.acquire(http, job.project(), job.buildId());
                root = copy.dir();
            }
        } catch (IOException | RuntimeException e) {
            return errored(job, instance, display, "testbot: could not sync the project to " + config.hostname() + ": " + e.getMessage(), started);
        }
        try {
            return runIn(root, job, instance, adapter, display, testEnvNumber, started);
        } finally {
            if (copy != null) workspace.release(copy);
        }
    }

    private JobResult runIn(Path root, JobAssignment job, int instance, Adapter adapter, String display, String testEnvNumber,
                            long started) throws InterruptedException {
        BeforeRun before = beforeRun(job, root);
        if (!before.ok()) return errored(job, instance, display, before.output(), started);

        Path resultFile = null;
        try {
            Files.createDirectories(config.workDir().resolve("results"));
            resultFile = config.workDir().resolve("results").resolve("job-" + job.jobId() + "-" + runnerId + ".json");
            Files.deleteIfExists(resultFile);
            log.info("job {} (build {}) on instance {}: {}", job.jobId(), job.buildId(), instance, display);
            long processStarted = System.nanoTime();
            double setup = (processStarted - started) / 1e9;
            WarmWorker worker = config.warmWorkers() ? warmWorker(job, instance, adapter, root, testEnvNumber) : null;
            int exit;
            String output;
            if (worker != null) {
                WarmWorker.Outcome outcome = null;
                for (int attempt = 0; attempt < 2; attempt++) {
                    if (attempt > 0) worker = warmWorker(job, instance, adapter, root, testEnvNumber);
                    var timeout = watch(job, worker.process());
                    // Nothing of the build is queued and each job this runner holds has its worker: it needs no more forks.
                    if (drainedBuilds.contains(job.buildId()) && running.keySet().containsAll(held)) spares.drained();
                    try {
                        outcome = worker.run(adapter.workerJob(job.files(), job.options(), resultFile));
                    } catch (IOException e) {
                        workers.remove(instance, worker);
                        worker.close();
                        throw e;
                    } finally {
                        worker.release();
                        if (timeout != null) timeout.cancel(false);
                    }
                    // Sent just as the worker ended idle: once more, on a fresh one.
                    if (!outcome.neverStarted(worker.process()) || cancelled.contains(job.jobId()) || timedOut.contains(job.jobId())) break;
                    workers.remove(instance, worker);
                }
                output = outcome.output();
                if (outcome.status() != null) {
                    exit = outcome.status();
                    // It said it is no place for another job (its files failed to load, say): it ends now.
                    if (outcome.retire()) {
                        synchronized (retiring) {
                            if (workers.remove(instance, worker)) retire(worker);
                        }
                    }
                } else {
                    // It ended during the job (a crash, exit!, or it was killed): the next job starts a new one.
                    workers.remove(instance, worker);
                    exit = worker.process().waitFor();
                }
            } else {
                ProcessBuilder builder = new ProcessBuilder(ProcessGroups.inNewGroup(Bundling.command(job.environment(), adapter.command(job.files(), job.options(), resultFile))))
                        .directory(root.toFile()).redirectErrorStream(true);
                JobEnvironment.apply(builder, JobEnvironment.of(job, adapter, testEnvNumber, config.instances()));
                Process process = builder.start();
                var timeout = watch(job, process);
                process.getOutputStream().close();
                try (InputStream in = process.getInputStream()) {
                    output = OutputCapture.read(in);
                }
                exit = process.waitFor();
                if (timeout != null) timeout.cancel(false);
            }
            running.remove(job.jobId());
            if (cancelled.remove(job.jobId())) {
                log.info("job {} cancelled", job.jobId());
                return null;
            }
            double seconds = (System.nanoTime() - processStarted) / 1e9;
            if (timedOut.remove(job.jobId())) {
                return new JobResult(runnerId, instance, exit, true, output + "\ntestbot: job stopped after " + job.timeoutSeconds()
                        + " s (job timeout) on " + config.hostname() + "\n", seconds, setup, display, emptyResults(job));
            }
            try {
                Adapter.Results results = adapter.readResults(resultFile, job.files(), exit, job.options());
                boolean errored = results.errorsOutsideExamples() > 0;
                return new JobResult(runnerId, instance, exit, errored, output, seconds, setup, display, results.files());
            } catch (IOException e) {
                Map<String, String> notLoaded = adapter.notLoaded(output, job.files());
                if (!notLoaded.isEmpty()) return withoutWhatDidNotLoad(root, job, instance, adapter, display, testEnvNumber, started, output, exit, notLoaded);
                return new JobResult(runnerId, instance, exit, true, output + "\ntestbot: " + e.getMessage() + " (exit status " + exit + ")\n",
                        seconds, setup, display, emptyResults(job));
            }
        } catch (IOException e) {
            return errored(job, instance, display, "testbot: could not run the job on " + config.hostname() + ": " + e.getMessage(), started);
        } finally {
            running.remove(job.jobId());
            if (resultFile != null) {
                try {
                    Files.deleteIfExists(resultFile);
                    Files.deleteIfExists(Adapter.sideFile(resultFile));
                } catch (IOException ignored) {
                    // a leftover result file is harmless
                }
            }
        }
    }

    /**
     * A job that gave no results because some of its files did not load (a feature that does not parse stops
     * cucumber before it runs anything): those files cost only themselves, and the job's other files run again
     * without them.
     */
    private JobResult withoutWhatDidNotLoad(Path root, JobAssignment job, int instance, Adapter adapter, String display, String testEnvNumber,
                                            long started, String output, int exit, Map<String, String> notLoaded) throws InterruptedException {
        List<String> rest = job.files().stream().filter(entry -> !notLoaded.containsKey(adapter.fileOf(entry))).toList();
        List<FileResult> files = new ArrayList<>();
        notLoaded.forEach((file, error) -> files.add(FileResult.notLoaded(file, error)));
        if (rest.isEmpty()) {
            return new JobResult(runnerId, instance, exit, false, output, (System.nanoTime() - started) / 1e9, 0, display, files);
        }
        log.info("job {}: {} file(s) did not load; running its other {} without them", job.jobId(), notLoaded.size(), rest.size());
        JobResult again = runIn(root, job.withFiles(rest), instance, adapter, display, testEnvNumber, System.nanoTime());
        if (again == null) return null; // cancelled meanwhile
        files.addAll(again.files());
        String both = output + (output.endsWith("\n") ? "" : "\n") + "testbot: running the job's other files without "
                + String.join(", ", notLoaded.keySet()) + "\n" + again.output();
        return new JobResult(runnerId, instance, again.exitCode() == 0 ? exit : again.exitCode(), again.errored(), both,
                (System.nanoTime() - started) / 1e9, again.setupSeconds(), display, files);
    }

    /**
     * The instance's warm worker for this build, claimed for the job: the one it has, or a new one when it has none
     * for this build and directory. Null when the framework has no worker.
     */
    private WarmWorker warmWorker(JobAssignment job, int instance, Adapter adapter, Path root, String testEnvNumber) throws IOException {
        WarmWorker worker = workers.get(instance);
        if (worker != null && worker.fits(job.buildId(), root) && worker.claim()) return worker;
        if (worker != null) {
            synchronized (retiring) {
                if (workers.remove(instance, worker)) retire(worker);
            }
        }
        List<String> command = adapter.workerCommand(config.workDir().resolve("tools"), job.options());
        if (command == null) return null;
        java.util.Map<String, String> variables = JobEnvironment.of(job, adapter, testEnvNumber, config.instances());
        // A spare booted the framework outside Bundler: a bundled project's worker boots under `bundle exec`.
        WarmWorker spare = Bundling.bundled(job.environment()) ? null : spares.take(adapter.name(), job.buildId(), root, variables);
        if (spare != null) {
            workers.put(instance, spare);
            return spare;
        }
        ProcessBuilder builder = new ProcessBuilder(ProcessGroups.inNewGroup(Bundling.command(job.environment(), command)))
                .directory(root.toFile()).redirectErrorStream(true);
        JobEnvironment.apply(builder, variables);
        worker = WarmWorker.start(builder, adapter.name(), job.buildId(), root);
        workers.put(instance, worker);
        return worker;
    }

    /** Registers the job's process for cancellation, and stops it at the job's timeout if it has one. */
    private java.util.concurrent.ScheduledFuture<?> watch(JobAssignment job, Process process) {
        running.put(job.jobId(), process);
        if (job.timeoutSeconds() <= 0) return null;
        return timeouts.schedule(() -> {
            timedOut.add(job.jobId());
            log.warn("job {}: stopped after {} s (job timeout)", job.jobId(), job.timeoutSeconds());
            ProcessGroups.kill(process);
        }, job.timeoutSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * Lets the idle workers that match end (see {@link WarmWorker#retire}); close() waits for them too, so that their
     * at_exit hooks have run when the runner has stopped.
     */
    private List<CompletableFuture<Process>> retireIdleWorkers(java.util.function.Predicate<WarmWorker> which) {
        List<CompletableFuture<Process>> ending = new ArrayList<>();
        synchronized (retiring) { // close() sees each worker either still in workers or already retiring
            workers.forEach((instance, worker) -> {
                if (which.test(worker) && worker.claim() && workers.remove(instance, worker)) ending.add(retire(worker));
            });
        }
        return ending;
    }

    /** Lets a worker just taken out of workers end, counted among those close() waits for (hold the lock on retiring). */
    private CompletableFuture<Process> retire(WarmWorker worker) {
        CompletableFuture<Process> gone = worker.retire();
        retiring.add(gone);
        gone.whenComplete((process, error) -> retiring.remove(gone));
        return gone;
    }

    /** Runs the build's before_run command once on this runner; every instance waits for the one outcome. */
    private BeforeRun beforeRun(JobAssignment job, Path root) throws InterruptedException {
        if (job.beforeRun() == null || job.beforeRun().isBlank()) return new BeforeRun(true, "");
        CompletableFuture<BeforeRun> mine = new CompletableFuture<>();
        CompletableFuture<BeforeRun> existing = beforeRuns.putIfAbsent(job.buildId(), mine);
        if (existing != null) return existing.join();
        beforeRuns.keySet().removeIf(buildId -> buildId < job.buildId() - REMEMBERED_BUILDS);
        // Idle workers of other builds would hold on to what before_run may rebuild (a test database, say).
        retireIdleWorkers(worker -> worker.buildId() != job.buildId()).forEach(CompletableFuture::join);
        try {
            log.info("build {}: running before_run: {}", job.buildId(), job.beforeRun());
            ProcessBuilder builder = new ProcessBuilder(ProcessGroups.inNewGroup(List.of("sh", "-c", job.beforeRun())))
                    .directory(root.toFile()).redirectErrorStream(true);
            environment(builder, "");
            Process process = builder.start();
            process.getOutputStream().close();
            String output;
            try (InputStream in = process.getInputStream()) {
                output = OutputCapture.read(in);
            }
            int exit = process.waitFor();
            BeforeRun outcome = exit == 0 ? new BeforeRun(true, output)
                    : new BeforeRun(false, output + "\ntestbot: before_run failed on " + config.hostname() + " (exit status " + exit + "): " + job.beforeRun() + "\n");
            mine.complete(outcome);
            return outcome;
        } catch (IOException e) {
            BeforeRun outcome = new BeforeRun(false, "testbot: could not start before_run on " + config.hostname() + ": " + e.getMessage() + "\n");
            mine.complete(outcome);
            return outcome;
        }
    }

    private void environment(ProcessBuilder builder, String testEnvNumber) {
        JobEnvironment.apply(builder, testEnvNumber, config.instances());
    }

    private JobResult errored(JobAssignment job, int instance, String display, String message, long started) {
        log.warn("job {}: {}", job.jobId(), message.strip());
        return new JobResult(runnerId, instance, -1, true, message.endsWith("\n") ? message : message + "\n",
                0, (System.nanoTime() - started) / 1e9, display, emptyResults(job));
    }

    private static List<FileResult> emptyResults(JobAssignment job) {
        return job.files().stream().map(f -> new FileResult(f, 0, 0, 0, 0, List.of())).toList();
    }

    private void cancelJob(long jobId) {
        Process process = running.get(jobId);
        if (process == null) return;
        cancelled.add(jobId);
        log.info("job {}: stopping its processes (cancelled, or given to another runner)", jobId);
        ProcessGroups.kill(process);
    }

    private void fail(String message) {
        log.error("{}", message);
        fatal = message;
        close();
    }

    private void pause(Exception e) {
        if (stopping) return;
        log.warn("{}", e.getMessage());
        sleepQuietly(1_000);
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(String name, Runnable body) {
        Thread thread = new Thread(body, "runner-" + name);
        thread.setDaemon(true);
        return thread;
    }

    /**
     * Stops taking jobs, kills the process groups of running jobs and tells the server, which gives them to
     * other runners at once instead of when this runner's lease runs out.
     */
    @Override
    public void close() {
        close(true);
    }

    /**
     * As {@link #close()}; a runner that stops along with its server (local mode) need not tell it.
     *
     * @param leave whether to tell the server
     */
    public void close(boolean leave) {
        if (stopping) return;
        stopping = true;
        running.keySet().forEach(cancelled::add);
        running.values().forEach(ProcessGroups::kill);
        // Idle workers end as processes normally do, so their at_exit hooks (coverage reports) still run.
        List<CompletableFuture<Process>> ending;
        synchronized (retiring) {
            ending = new ArrayList<>(retiring);
            workers.values().forEach(worker -> ending.add(worker.retire()));
        }
        ending.addAll(spares.close());
        ending.forEach(CompletableFuture::join);
        threads.forEach(Thread::interrupt);
        timeouts.shutdownNow();
        if (leave && runnerId != null && fatal == null) {
            try {
                server.leave(runnerId);
                log.info("left the server; {} unfinished job(s) handed back", held.size());
            } catch (IOException | InterruptedException e) {
                log.warn("could not tell the server this runner is leaving: {}", e.getMessage());
            }
        }
        stopped.countDown();
    }
}
