package io.testbot.runner;

import io.testbot.adapters.Adapter;
import io.testbot.adapters.Adapters;
import io.testbot.protocol.ApiClient;
import io.testbot.protocol.BlobQuery;
import io.testbot.protocol.FileEntry;
import io.testbot.protocol.JobAssignment;
import io.testbot.protocol.JobResult;
import io.testbot.protocol.Json;
import io.testbot.protocol.Runners;
import io.testbot.protocol.ServerApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
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
    /**
     * How long a heartbeat may wait at the server for a job to stop: the runner checks in about every two seconds. A
     * parked heartbeat keeps the runner live, and a runner is lost {@link io.testbot.server.Scheduler#RUNNER_LEASE}
     * after its last heartbeat came whatever the wait, so a longer one costs nothing in finding a runner gone; it leaves
     * a late next heartbeat the rest of the lease, and halves what heartbeats cost a farm's server (a thousand runners:
     * a thousand requests a second at one second, measured with bench/load.sh).
     */
    static final long HEARTBEAT_WAIT_MILLIS = 2_000;
    /**
     * While the runner has fewer spare workers than instances, an instance that finds nothing queued just after a
     * job, or that has waited this long for one, queues the boot of one.
     */
    static final long SPARE_AFTER_IDLE_MILLIS = 200;
    /**
     * How long the runner has had no job before its instances' workers boot again ahead of the next build: a build
     * that follows at once (the next step of a pipeline) finds spares and the CPU free, as before, and the last
     * build's requester finishes without a boot beside it.
     */
    static final long PREBOOT_AFTER_IDLE_MILLIS = 1_000;
    /** How many builds back a runner remembers a build's before_run outcome and whether its queue drained: older ones have long finished. */
    static final long REMEMBERED_BUILDS = 1_000;

    private final RunnerConfig config;
    private final ServerApi server;
    /** Jobs handed to this runner and not yet reported: what its heartbeat says it holds. */
    private final java.util.Set<Long> held = ConcurrentHashMap.newKeySet();
    /** Builds that had no job left in their queue when one was handed to this runner: their idle workers end. */
    private final java.util.Set<Long> drainedBuilds = ConcurrentHashMap.newKeySet();
    private final Spares spares;
    private final InstanceWorkers workers;
    /** Boots the workers booted ahead in place again when the project changes under them; null unless in place. */
    private final InPlaceWatch inPlaceWatch;
    private final JobRunner jobs;
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile String runnerId;
    private volatile String fatal;
    private volatile boolean toldOutdated;
    /** Told each time the server says this runner's version is not its own (the runner command updates it). */
    private volatile Runnable whenOutdated = () -> {};

    public void whenOutdated(Runnable action) {
        this.whenOutdated = action;
    }

    /** What its operator should know about this runner, sent with each heartbeat (null: nothing). */
    private volatile String note;

    public void note(String text) {
        this.note = text;
    }
    private final java.util.concurrent.atomic.AtomicBoolean warmedUp = new java.util.concurrent.atomic.AtomicBoolean();
    /** When an instance last finished a job (System.nanoTime). */
    private volatile long lastJobDone = System.nanoTime();

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
        this.spares = spares;
        boolean preboot = config.warmWorkers() && config.preboot();
        InPlaceSnapshots inPlace = preboot && config.inPlaceRoot() != null
                ? new InPlaceSnapshots(config.inPlaceRoot(), config.inPlaceIgnores(), config.workDir().resolve("in-place-digests")) : null;
        this.workers = new InstanceWorkers(config.workDir().resolve("tools"), spares, config.environment(), preboot, inPlace,
                new CoreSlots(config.jvms(), config.instances()));
        this.inPlaceWatch = inPlace == null ? null : new InPlaceWatch(workers, inPlace);
        this.jobs = new JobRunner(config, server, workers, () -> runnerId, held, drainedBuilds);
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
        if (inPlaceWatch != null) inPlaceWatch.start();
    }

    /**
     * Boots each instance's worker ahead of the next build as this job's would be booted, once the runner is idle (a
     * runner that starts for a project whose last build ran elsewhere: local mode kept warm). Only with booting ahead
     * on and an in-place root.
     */
    public void expect(JobAssignment job) {
        Adapter adapter = Adapters.find(job.adapter()).orElse(null);
        if (adapter == null || config.inPlaceRoot() == null) return;
        for (int instance = 1; instance <= config.instances(); instance++) {
            workers.expect(job, instance, adapter, config.inPlaceRoot(),
                    JobEnvironment.of(job, adapter, JobEnvironment.testEnvNumber(instance), config.instances()));
        }
        lastJobDone = System.nanoTime() - PREBOOT_AFTER_IDLE_MILLIS * 1_000_000; // that build is over: no need to wait
    }

    /** How long no instance has held a job (zero while one does): a runner kept for a while ends once idle long enough. */
    public java.time.Duration idle() {
        return held.isEmpty() ? java.time.Duration.ofNanos(System.nanoTime() - lastJobDone) : java.time.Duration.ZERO;
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
                        config.instances(), config.workDir().toString(), !config.warmWorkers(), config.jvms()));
                runnerId = registered.runnerId();
                if (registered.upToDate()) {
                    log.info("registered with {} as {} ({} instance(s), work dir {})", server.describe(), runnerId, config.instances(), config.workDir());
                } else {
                    log.warn("this runner is version {} but the server is {}: it gets no jobs until it is updated", config.version(), registered.serverVersion());
                    whenOutdated.run();
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
                // A job told to stop is no longer held, though its run may not be over yet (it syncs, or its process ends):
                // listed, the server would tell it again at once, and again, until it is.
                List<Long> holding = held.stream().filter(jobId -> !jobs.toldToStop(jobId)).toList();
                Runners.HeartbeatReply reply = server.heartbeat(id, new Runners.Heartbeat(holding, note), HEARTBEAT_WAIT_MILLIS);
                if (!reply.known()) {
                    log.warn("the server does not know this runner (restarted with another data dir?); registering again");
                    registerAgain(id);
                }
                if (!reply.cancelJobs().isEmpty()) jobs.cancel(reply.cancelJobs());
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
        // A job that came with the reply to the instance's last result: taken without asking again.
        JobAssignment carried = null;
        // A drained build whose worker this instance keeps until it asks and finds nothing to do for it (no job, no
        // files of another instance's job of the build to take over): then it ends.
        long finishing = -1;
        while (!stopping) {
            String id = runnerId;
            try {
                boolean wantsSpare = config.warmWorkers() && !stopping && spares.wanted();
                // The runner's last job is done: the instances' workers boot again, ahead of the next build.
                boolean wantsPreboot = !stopping && held.isEmpty() && workers.prebootWanted();
                // Just after a job, nothing queued means this instance idles until another build: its spare boots at
                // once, beside the build's last jobs, rather than once it has waited, when the next build's requester
                // may be starting (on two cores the forks took 75 ms from a requester started just as a build ended).
                long wait = !wantsSpare && !wantsPreboot && finishing < 0 ? JOB_WAIT_MILLIS : justWorked ? 0 : SPARE_AFTER_IDLE_MILLIS;
                // Asking right after a job, the instance counts as busy: the job that comes may be of a build whose
                // last queued job another instance has just been handed, and its worker must not end meanwhile.
                if (!justWorked && finishing < 0) workers.disengage(instance);
                justWorked = false;
                JobAssignment job = carried != null ? carried : server.nextJob(id, instance, wait);
                carried = null;
                if (job != null) workers.engage(instance);
                else if (finishing < 0) workers.disengage(instance);
                if (job == null && finishing >= 0) {
                    while (!stopping && jobs.help(instance)) justWorked = true;
                    if (!jobs.othersMayShare(finishing, instance)) {
                        long over = finishing;
                        workers.retireIdleBut(worker -> worker.buildId() == over, instance);
                        workers.disengage(instance);
                        finishing = -1;
                    }
                }
                if (job != null) finishing = -1;
                if (job == null) {
                    // No job came at once: boot the next build's worker now, while this instance is idle anyway.
                    if (wantsSpare) spares.bootIfWanted();
                    if (wantsPreboot && held.isEmpty() && System.nanoTime() - lastJobDone >= PREBOOT_AFTER_IDLE_MILLIS * 1_000_000) workers.prebootIdle();
                    continue;
                }
                justWorked = true;
                held.add(job.jobId());
                if (job.queueDrained() && drainedBuilds.add(job.buildId())) {
                    drainedBuilds.removeIf(buildId -> buildId < job.buildId() - REMEMBERED_BUILDS);
                    // The other instances' workers of the build get no more jobs; this one's (or a slot's) runs this job.
                    workers.retireOthersIdle(worker -> worker.buildId() == job.buildId(), instance);
                }
                try {
                    JobResult result = run(job, instance);
                    if (result != null) carried = report(job, result, instance);
                } finally {
                    lastJobDone = System.nanoTime();
                    held.remove(job.jobId());
                }
                // No job came with the reply: files another instance's job has not begun run here meanwhile.
                if (carried == null) while (!stopping && jobs.help(instance)) justWorked = true;
                // Nothing of its build is queued: its worker ends as soon as the instance asks and gets nothing, not once
                // the build is over (a job handed out before the last one may still reach it; another instance's job of
                // the build may yet have files to take over: its worker may not have begun them yet).
                if (drainedBuilds.contains(job.buildId())) finishing = job.buildId();
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
                    whenOutdated.run();
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

    /** Reports a job's result, asking for the instance's next job with it; returns that job, if one came. */
    private JobAssignment report(JobAssignment job, JobResult result, int instance) throws InterruptedException {
        for (int attempt = 0; !stopping; attempt++) {
            try {
                Runners.ResultReply reply = server.reportResult(job.jobId(), result, instance);
                // Its workers will get no more jobs: they end now, not when the instance next works (or the runner stops).
                if (reply != null && reply.buildOver()) workers.retireIdle(worker -> worker.buildId() == job.buildId());
                // A job that comes as the runner stops is not run: leaving hands back every job the server gave it.
                return reply == null || stopping ? null : reply.next();
            } catch (ApiClient.ApiException e) {
                if (e.status() < 500) {
                    log.warn("job {}: result not accepted: {}", job.jobId(), e.getMessage());
                    return null;
                }
                log.warn("job {}: cannot report result yet: {}", job.jobId(), e.getMessage());
                Thread.sleep(Math.min(5_000, 200L << Math.min(attempt, 5)));
            } catch (IOException e) {
                log.warn("job {}: cannot report result yet: {}", job.jobId(), e.getMessage());
                Thread.sleep(Math.min(5_000, 200L << Math.min(attempt, 5)));
            }
        }
        return null;
    }

    /** Runs a job on an instance (see {@link JobRunner}); null when it was cancelled meanwhile. */
    JobResult run(JobAssignment job, int instance) throws InterruptedException {
        return jobs.run(job, instance);
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
        jobs.stopAll();
        if (inPlaceWatch != null) inPlaceWatch.close();
        // Idle workers end as processes normally do, so their at_exit hooks (coverage reports) still run.
        workers.close().forEach(CompletableFuture::join);
        threads.forEach(Thread::interrupt);
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
