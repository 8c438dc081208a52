package io.testbot.runner;

import io.testbot.adapters.Adapter;
import io.testbot.adapters.Adapters;
import io.testbot.adapters.Bundling;
import io.testbot.protocol.ApiClient;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.JobAssignment;
import io.testbot.protocol.JobResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs one job from start to result: the project's files in place, the build's before_run once per runner ({@link BeforeRuns}), the job
 * in its instance's warm worker or in a process of its own, its timeout and cancellation, and its results read, or
 * the reason there are none. The {@link Runner} hands each job it takes to {@link #run} and reports what it returns.
 */
final class JobRunner {
    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

    private final RunnerConfig config;
    /** The server over HTTP, which also serves the project's files; null for a runner in the server's process. */
    private final ApiClient http;
    private final Workspace workspace;
    private final InstanceWorkers workers;
    private final Supplier<String> runnerId;
    /** Jobs handed to the runner and not yet reported (the runner's; read here). */
    private final Set<Long> held;
    /** Builds whose queue had drained when one of their jobs came (the runner's; read here). */
    private final Set<Long> drainedBuilds;
    /** The jobs being run, by job, with the instance each runs on: from their start, before any process. */
    private final Map<Long, InstanceJob> underway = new ConcurrentHashMap<>();
    private final SharedJobs shared = new SharedJobs();
    private final JobProcesses processes = new JobProcesses();
    private final BeforeRuns beforeRuns;
    private final SuiteFiles suites;

    /**
     * What a job's process printed, its exit status, whether it was a warm worker that booted for it, and the files
     * other instances took over from it meanwhile.
     */
    private record Ran(int exit, String output, boolean bootedWorker, List<SharedJobs.Part> parts) {
        Ran(int exit, String output, boolean bootedWorker) {
            this(exit, output, bootedWorker, List.of());
        }
    }

    /** A job being run: its build, its instance, and whether other instances may take over files of it. */
    private record InstanceJob(long buildId, int instance, boolean shareable) {}

    /** Where a job runs: the project's directory, and the synced copy it is (null for an in-place build). */
    private record Tree(Path root, Workspace.Copy copy) {}

    JobRunner(RunnerConfig config, io.testbot.protocol.ServerApi server, InstanceWorkers workers, Supplier<String> runnerId, Set<Long> held,
              Set<Long> drainedBuilds) throws IOException {
        this.config = config;
        this.http = server instanceof ApiClient client ? client : null;
        this.suites = new SuiteFiles(server, config.workDir());
        this.workspace = new Workspace(config.workDir());
        if (config.keepCopies() != null && !config.keepCopies().isZero()) {
            // At start (what a runner left behind when it last ran) and every hour after.
            processes.timers().scheduleWithFixedDelay(() -> workspace.sweepQuietly(java.time.Instant.now().minus(config.keepCopies())), 0, 1, TimeUnit.HOURS);
        }
        this.workers = workers;
        this.beforeRuns = new BeforeRuns(config, workers);
        this.runnerId = runnerId;
        this.held = held;
        this.drainedBuilds = drainedBuilds;
    }

    /** Runs the job on the instance; null when it was cancelled (or given to another runner) meanwhile. */
    JobResult run(JobAssignment job, int instance) throws InterruptedException {
        Adapter adapter = Adapters.find(job.adapter()).orElse(null);
        underway.put(job.jobId(), new InstanceJob(job.buildId(), instance, adapter != null && config.warmWorkers() && shareable(job, adapter)));
        try {
            return runOnce(job, instance, adapter);
        } finally {
            underway.remove(job.jobId());
            processes.takeCancelled(job.jobId()); // a cancel that came before its process, on a way that did not ask
        }
    }

    /**
     * Whether another instance runs a job of this build whose files not yet begun this instance may take over (see
     * {@link #help}): its worker has not opened it for sharing yet, or some of its files are still unclaimed.
     */
    boolean othersMayShare(long buildId, int instance) {
        for (Map.Entry<Long, InstanceJob> entry : underway.entrySet()) {
            InstanceJob job = entry.getValue();
            if (job.buildId() != buildId || job.instance() == instance || !job.shareable()) continue;
            if (shared.unclaimedOf(entry.getKey()) != 0) return true;
        }
        return false;
    }

    private JobResult runOnce(JobAssignment job, int instance, Adapter adapter) throws InterruptedException {
        String testEnvNumber = JobEnvironment.testEnvNumber(instance);
        String display = adapter == null ? job.adapter() : display(job, adapter, testEnvNumber);
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
            return runIn(new Tree(root, copy), job, instance, adapter, display, testEnvNumber, started);
        } finally {
            if (copy != null) workspace.release(copy);
        }
    }


    private JobResult runIn(Tree tree, JobAssignment job, int instance, Adapter adapter, String display, String testEnvNumber,
                            long started) throws InterruptedException {
        Path root = tree.root();
        BeforeRuns.Outcome before = beforeRuns.run(job, root);
        if (!before.ok()) return errored(job, instance, display, before.output(), started);

        Path resultFile = null;
        try {
            Files.createDirectories(config.workDir().resolve("results"));
            resultFile = config.workDir().resolve("results").resolve("job-" + job.jobId() + "-" + runnerId.get() + ".json");
            Files.deleteIfExists(resultFile);
            double setup = (System.nanoTime() - started) / 1e9;
            long processStarted;
            Ran ran;
            try (CoreSlots.Slot slot = workers.slot(adapter, instance, () -> processes.wasCancelled(job.jobId()))) {
                if (slot == null) { // cancelled while its project synced, its before_run ran or it waited for a slot
                    processes.takeCancelled(job.jobId());
                    log.info("job {} cancelled before it started", job.jobId());
                    return null;
                }
                processStarted = System.nanoTime(); // a wait for a slot is no part of the job's time
                if (!slot.testEnvNumber().equals(testEnvNumber)) display = display(job, adapter, slot.testEnvNumber());
                log.info("job {} (build {}) on instance {}: {}", job.jobId(), job.buildId(), instance, display);
                ran = config.warmWorkers() ? inWorker(job, instance, slot, adapter, tree, resultFile, shareable(job, adapter)) : null;
                if (ran == null) ran = inProcess(job, adapter, root, slot.testEnvNumber(), resultFile);
            }
            processes.finished(job.jobId());
            List<SharedJobs.Part> parts = ran.parts();
            if (processes.takeCancelled(job.jobId())) {
                log.info("job {} cancelled", job.jobId());
                return null;
            }
            int exit = ran.exit();
            String output = ran.output();
            double seconds = (System.nanoTime() - processStarted) / 1e9;
            if (processes.takeTimedOut(job.jobId())) {
                return SharedJobs.withParts(new JobResult(runnerId.get(), instance, exit, true, output + "\ntestbot: job stopped after " + job.timeoutSeconds()
                        + " s (job timeout) on " + config.hostname() + "\n", seconds, setup, display, emptyResults(job)), parts);
            }
            try {
                Adapter.Results results = adapter.readResults(resultFile, job.files(), exit, job.options());
                boolean errored = results.errorsOutsideExamples() > 0;
                return SharedJobs.withParts(new JobResult(runnerId.get(), instance, exit, errored, output, seconds, setup, display, results.files(), ran.bootedWorker()), parts);
            } catch (IOException e) {
                Map<String, String> notLoaded = adapter.notLoaded(output, job.files());
                if (!notLoaded.isEmpty() && parts.isEmpty()) return withoutWhatDidNotLoad(tree, job, instance, adapter, display, testEnvNumber, started, output, exit, notLoaded);
                return SharedJobs.withParts(new JobResult(runnerId.get(), instance, exit, true, withoutResults(output, e, exit), seconds, setup, display,
                        emptyResults(job)), parts);
            }
        } catch (IOException e) {
            return errored(job, instance, display, "testbot: could not run the job on " + config.hostname() + ": " + e.getMessage(), started);
        } finally {
            processes.finished(job.jobId());
            if (resultFile != null) deleteResults(resultFile);
        }
    }

    /** What a user types to run the job's files by hand, as this process runs them. */
    private static String display(JobAssignment job, Adapter adapter, String testEnvNumber) {
        return (testEnvNumber.isEmpty() ? "" : "TEST_ENV_NUMBER=" + testEnvNumber + " ") + adapter.displayCommand(job.files(), job.options());
    }

    /**
     * The job in its warm worker (the instance's, or the slot's it took), which it replaces if need be; null when the
     * framework has none.
     */
    private Ran inWorker(JobAssignment job, int instance, CoreSlots.Slot slot, Adapter adapter, Tree tree, Path resultFile, boolean share)
            throws IOException, InterruptedException {
        Path root = tree.root();
        int key = slot.key();
        Map<String, String> variables = JobEnvironment.of(job, adapter, slot.testEnvNumber(), config.instances());
        WarmWorker worker = workers.claim(job, key, adapter, root, variables, tree.copy());
        if (worker == null) return null;
        // From here the job runs in a worker that claims each file as it begins it: other instances may take the rest.
        SharedJobs.Shared sharing = share ? shared.open(job, instance, root, adapter, claimsOf(job)) : null;
        WarmWorker.Outcome outcome = null;
        boolean booted = false;
        List<SharedJobs.Part> parts = List.of();
        try {
            for (int attempt = 0; attempt < 2; attempt++) {
                if (attempt > 0) worker = workers.claim(job, key, adapter, root, variables, tree.copy());
                booted = worker.booting();
                var timeout = watch(job, worker.process());
                // Nothing of the build is queued and each job this runner holds has its worker: it needs no more forks.
                if (drainedBuilds.contains(job.buildId()) && processes.runningJobs().containsAll(held)) workers.spares().drained();
                try {
                    outcome = send(worker, key, JobEnvironment.intoWorkerJob(adapter.workerJob(job.files(), job.options(), resultFile,
                            sharing == null ? null : sharing.claims), suiteOf(job, adapter)));
                } finally {
                    if (timeout != null) timeout.cancel(false);
                }
                // Sent just as the worker ended idle: once more, on a fresh one.
                if (!outcome.neverStarted(worker.process()) || processes.wasCancelled(job.jobId()) || processes.hasTimedOut(job.jobId())) break;
                workers.forget(key, worker);
            }
        } finally {
            if (sharing != null) {
                parts = shared.close(sharing); // nothing more is taken over; what was is waited for with the results
                try {
                    Workspace.deleteTree(sharing.claims);
                } catch (IOException e) {
                    log.debug("job {}: claims left in {}: {}", job.jobId(), sharing.claims, e.toString());
                }
            }
        }
        return settle(worker, key, outcome, booted, parts);
    }

    /** Sends a worker (of the instance or slot key) its job's line and waits for the outcome; a worker that could not take it is dropped. */
    private WarmWorker.Outcome send(WarmWorker worker, int key, String line) throws IOException {
        try {
            return worker.run(line);
        } catch (IOException e) {
            workers.forget(key, worker);
            worker.close();
            throw e;
        } finally {
            worker.release();
        }
    }

    /** What the outcome of a job leaves of its worker, and what the job ran to. */
    private Ran settle(WarmWorker worker, int key, WarmWorker.Outcome outcome, boolean booted, List<SharedJobs.Part> parts)
            throws InterruptedException {
        if (outcome.status() == null) {
            // It ended during the job (a crash, exit!, or it was killed): the next job starts a new one.
            workers.forget(key, worker);
            return new Ran(worker.process().waitFor(), outcome.output(), booted, parts);
        }
        // It said it is no place for another job (its files failed to load, say): it ends now.
        if (outcome.retire()) workers.retire(key, worker);
        return new Ran(outcome.status(), outcome.output(), booted, parts);
    }

    /** Whether other instances may take over the job's files not yet begun: several whole files, in a framework that lets them. */
    private boolean shareable(JobAssignment job, Adapter adapter) {
        return config.instances() > 1 && job.files().size() > 1 && adapter.sharesFiles(job.files());
    }

    private Path claimsOf(JobAssignment job) {
        return config.workDir().resolve("claims").resolve("job-" + job.jobId() + "-" + runnerId.get());
    }

    /**
     * For an instance with nothing to do: runs files of another instance's job that its worker has not begun yet
     * ({@link SharedJobs}), in this instance's warm worker of that build; false when there are none to take.
     */
    boolean help(int instance) throws InterruptedException {
        WarmWorker own = workers.of(instance);
        Optional<SharedJobs.Part> taken = shared.take(instance, buildId -> own != null && own.buildId() == buildId);
        if (taken.isEmpty()) return false;
        SharedJobs.Part part = taken.get();
        JobAssignment job = part.of().job.withFiles(part.files());
        Adapter adapter = part.of().adapter;
        String display = adapter.displayCommand(part.files(), job.options());
        long started = System.nanoTime();
        log.info("job {}: instance {} takes over {} file(s) instance {} has not begun: {}", job.jobId(), instance, part.files().size(),
                part.of().instance, String.join(" ", part.files()));
        JobResult result = null;
        Path resultFile = config.workDir().resolve("results").resolve("job-" + job.jobId() + "-" + runnerId.get() + "-part-" + instance + ".json");
        try {
            Files.deleteIfExists(resultFile);
            Ran ran = inHelpingWorker(job, instance, adapter, part.of().root, resultFile);
            double seconds = (System.nanoTime() - started) / 1e9;
            try {
                Adapter.Results results = adapter.readResults(resultFile, part.files(), ran.exit(), job.options());
                result = new JobResult(runnerId.get(), instance, ran.exit(), results.errorsOutsideExamples() > 0, ran.output(), seconds, 0, display, results.files());
            } catch (IOException e) {
                result = new JobResult(runnerId.get(), instance, ran.exit(), true, withoutResults(ran.output(), e, ran.exit()), seconds, 0, display, emptyResults(job));
            }
        } catch (IOException | RuntimeException e) {
            result = errored(job, instance, display, "testbot: could not run files taken over from instance " + part.of().instance + " on "
                    + config.hostname() + ": " + e.getMessage(), started);
        } finally {
            if (result == null) result = errored(job, instance, display, "testbot: interrupted while running files taken over", started);
            part.result().complete(result);
            deleteResults(resultFile);
        }
        return true;
    }

    private static void deleteResults(Path resultFile) {
        try {
            Files.deleteIfExists(resultFile);
            Files.deleteIfExists(Adapter.sideFile(resultFile));
        } catch (IOException ignored) {
            // a leftover result file is harmless
        }
    }

    /**
     * The list of the build's test files for a framework whose jobs load them all; null for another, or when the
     * server could not give it (the job's files then load alone, as they did before).
     */
    private Path suiteOf(JobAssignment job, Adapter adapter) throws InterruptedException {
        if (!adapter.loadsWholeSuite()) return null;
        try {
            return suites.of(job.buildId(), runnerId.get());
        } catch (IOException | RuntimeException e) {
            log.warn("job {}: could not get the test files of build {} ({}); its files load without the others", job.jobId(), job.buildId(), e.getMessage());
            return null;
        }
    }

    /** What a job says when its framework left no results to read: its output, and why. */
    private static String withoutResults(String output, IOException why, int exit) {
        // Bundler's own trace does not say why Bundler ran: testbot chose it, for the project's Gemfile.lock.
        String bundle = output.contains("(Bundler::GemNotFound)")
                ? "; testbot runs it under Bundler, as the project has a Gemfile.lock whose gems are not all installed here:"
                  + " install them (bundle install), or run without Bundler (--no-bundle-exec, or bundle_exec: false in .testbot.yml)"
                : "";
        return output + "\ntestbot: " + why.getMessage() + " (exit status " + exit + ")" + bundle + "\n";
    }

    /** Taken-over files in the instance's warm worker, stopped with the job (cancelled, or at its timeout). */
    private Ran inHelpingWorker(JobAssignment job, int instance, Adapter adapter, Path root, Path resultFile) throws IOException, InterruptedException {
        Map<String, String> variables = JobEnvironment.of(job, adapter, JobEnvironment.testEnvNumber(instance), config.instances());
        WarmWorker worker = workers.claim(job, instance, adapter, root, variables, null);
        if (worker == null) return inProcess(job, adapter, root, JobEnvironment.testEnvNumber(instance), resultFile);
        WarmWorker.Outcome outcome;
        try (JobProcesses.Helping stoppedWithTheJob = processes.helping(job, worker.process())) {
            outcome = send(worker, instance, JobEnvironment.intoWorkerJob(adapter.workerJob(job.files(), job.options(), resultFile), suiteOf(job, adapter)));
        }
        return settle(worker, instance, outcome, false, List.of());
    }

    /** The job in a process of its own. */
    private Ran inProcess(JobAssignment job, Adapter adapter, Path root, String testEnvNumber, Path resultFile)
            throws IOException, InterruptedException {
        List<String> command = Bundling.command(job.environment(), adapter.command(job.files(), job.options(), resultFile));
        ProcessBuilder builder = new ProcessBuilder(ProcessGroups.inNewGroup(command)).directory(root.toFile()).redirectErrorStream(true);
        Map<String, String> variables = new java.util.HashMap<>(JobEnvironment.of(job, adapter, testEnvNumber, config.instances()));
        Path suite = suiteOf(job, adapter);
        if (suite != null) variables.put(JobEnvironment.SUITE, suite.toString());
        JobEnvironment.apply(builder, config.environment(), variables);
        Process process = builder.start();
        var timeout = watch(job, process);
        process.getOutputStream().close();
        String output;
        try (InputStream in = process.getInputStream()) {
            output = OutputCapture.read(in);
        }
        int exit = process.waitFor();
        if (timeout != null) timeout.cancel(false);
        return new Ran(exit, output, false);
    }

    /**
     * A job that gave no results because some of its files did not load (a feature that does not parse stops
     * cucumber before it runs anything): those files cost only themselves, and the job's other files run again
     * without them.
     */
    private JobResult withoutWhatDidNotLoad(Tree tree, JobAssignment job, int instance, Adapter adapter, String display, String testEnvNumber,
                                            long started, String output, int exit, Map<String, String> notLoaded) throws InterruptedException {
        List<String> rest = job.files().stream().filter(entry -> !notLoaded.containsKey(adapter.fileOf(entry))).toList();
        List<FileResult> files = new ArrayList<>();
        notLoaded.forEach((file, error) -> files.add(FileResult.notLoaded(file, error)));
        if (rest.isEmpty()) {
            return new JobResult(runnerId.get(), instance, exit, false, output, (System.nanoTime() - started) / 1e9, 0, display, files);
        }
        log.info("job {}: {} file(s) did not load; running its other {} without them", job.jobId(), notLoaded.size(), rest.size());
        JobResult again = runIn(tree, job.withFiles(rest), instance, adapter, display, testEnvNumber, System.nanoTime());
        if (again == null) return null; // cancelled meanwhile
        files.addAll(again.files());
        String both = output + (output.endsWith("\n") ? "" : "\n") + "testbot: running the job's other files without "
                + String.join(", ", notLoaded.keySet()) + "\n" + again.output();
        return new JobResult(runnerId.get(), instance, again.exitCode() == 0 ? exit : again.exitCode(), again.errored(), both,
                (System.nanoTime() - started) / 1e9, again.setupSeconds(), display, files, again.bootedWorker());
    }

    private ScheduledFuture<?> watch(JobAssignment job, Process process) {
        return processes.watch(job, process);
    }

    private JobResult errored(JobAssignment job, int instance, String display, String message, long started) {
        log.warn("job {}: {}", job.jobId(), message.strip());
        return new JobResult(runnerId.get(), instance, -1, true, message.endsWith("\n") ? message : message + "\n",
                0, (System.nanoTime() - started) / 1e9, display, emptyResults(job));
    }

    private static List<FileResult> emptyResults(JobAssignment job) {
        return job.files().stream().map(f -> new FileResult(f, 0, 0, 0, 0, List.of())).toList();
    }

    /** Whether the job was cancelled (or given to another runner) while this runner ran it. */
    boolean toldToStop(long jobId) {
        return processes.wasCancelled(jobId);
    }

    /**
     * Stops running jobs' processes (and those running files taken over from them): they were cancelled, or given to
     * another runner. A job of this runner that has no process yet starts none.
     */
    void cancel(List<Long> jobIds) {
        processes.cancel(jobIds, underway::containsKey);
    }

    /** Stops every running job (they are reported as cancelled, which is to say not at all) and the timeouts. */
    void stopAll() {
        processes.stopAll();
    }
}
