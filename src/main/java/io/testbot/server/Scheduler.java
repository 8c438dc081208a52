package io.testbot.server;

import io.testbot.adapters.Adapter;
import io.testbot.adapters.Adapters;
import io.testbot.protocol.BuildEvent;
import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.BuildStatus;
import io.testbot.protocol.BuildTally;
import io.testbot.protocol.Estimate;
import io.testbot.protocol.EventsReply;
import io.testbot.protocol.FileEntry;
import io.testbot.protocol.JobAssignment;
import io.testbot.protocol.JobResult;
import io.testbot.protocol.RunnerInfo;
import io.testbot.protocol.Runners;
import io.testbot.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Function;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The server's live state: the job queue, the runners and their leases, the running builds.
 * Everything that matters is written to the {@link Store} as it changes, and rebuilt from it on start.
 * One lock guards it all. A request that waits (an instance asking for work, a heartbeat waiting for jobs to stop,
 * a requester following its build) is parked as a future and holds no thread: what it waits for completes it (a
 * queued job goes straight to the longest-waiting instance), or its wait runs out on a timer. Replies are completed
 * on a small pool of their own, never under the lock.
 */
public final class Scheduler {
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

    /**
     * A runner not heard from for this long has lost its jobs to the queue. Runners send a heartbeat every
     * second (see Runner.HEARTBEAT_WAIT_MILLIS), so this allows for a few missed ones on a loaded machine.
     */
    public static final Duration RUNNER_LEASE = Duration.ofSeconds(5);

    private final Store store;
    private final SchedulerEvents events;
    private final String version;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();

    private final JobQueue queue = new JobQueue();
    /** Instances waiting for a job, longest-waiting first. */
    private final LinkedHashSet<JobRequest> jobRequests = new LinkedHashSet<>();
    private final SchedulerThreads threads = new SchedulerThreads(lock);
    private final BuildFollowers followers = new BuildFollowers(threads);
    private final Map<Long, Active.Job> activeJobs = new HashMap<>();
    private final Map<Long, Active.Build> activeBuilds = new HashMap<>();
    private final RunnerRegistry runners;
    private boolean closing;
    /** Counts the changes waiters are woken for: the status page pushes a new view when it moved. */
    private volatile long changes;

    /** Something changed that the status page shows. */
    private void signal() {
        changes++;
    }

    /** An instance's request for a job, parked until one is queued or its wait runs out. */
    private static final class JobRequest {
        final RunnerRegistry.RunnerState runner;
        final int instance;
        final CompletableFuture<Optional<JobAssignment>> reply = new CompletableFuture<>();
        ScheduledFuture<?> timeout;

        JobRequest(RunnerRegistry.RunnerState runner, int instance) {
            this.runner = runner;
            this.instance = instance;
        }
    }

    /** A number that moves whenever the queue, a build or a runner changes. */
    public long changes() {
        return changes;
    }

    /** A running build as the status page shows it: failures so far, and its jobs on runners now. */
    public record LiveBuild(long id, int failures, List<LiveJob> running) {}

    public record LiveJob(long jobId, String runner, int instance, List<String> files, Instant startedAt) {}

    /** The running builds, with what each runs where now. */
    public List<LiveBuild> liveBuilds() {
        lock.lock();
        try {
            Map<Long, List<LiveJob>> jobs = new HashMap<>();
            for (Active.Job job : activeJobs.values()) {
                if (job.runnerId == null) continue;
                RunnerRegistry.RunnerState runner = runners.get(job.runnerId);
                jobs.computeIfAbsent(job.buildId, id -> new ArrayList<>())
                        .add(new LiveJob(job.id, runner == null ? job.runnerId : runner.row.hostname(), job.instance, job.files, job.assignedAt));
            }
            List<LiveBuild> builds = new ArrayList<>();
            for (Active.Build build : activeBuilds.values()) {
                List<LiveJob> running = jobs.getOrDefault(build.id, List.of());
                running.sort(java.util.Comparator.comparing(LiveJob::jobId));
                builds.add(new LiveBuild(build.id, build.tally.failing().size(), running));
            }
            builds.sort(java.util.Comparator.comparing(LiveBuild::id));
            return builds;
        } finally {
            lock.unlock();
        }
    }

    /** A runner whose version differs from the server's: it is given no jobs. */
    public static final class OutdatedRunnerException extends RuntimeException {
        public OutdatedRunnerException(String message) {
            super(message);
        }
    }

    /** A runner id the server does not know (it must register again). */
    public static final class UnknownRunnerException extends RuntimeException {
        public UnknownRunnerException(String id) {
            super("unknown runner " + id + "; register again");
        }
    }

    public Scheduler(Store store, String version, Clock clock, boolean recover) {
        this(store, version, clock, recover, SchedulerEvents.NONE);
    }

    public Scheduler(Store store, String version, Clock clock, boolean recover, SchedulerEvents events) {
        this.events = events;
        this.store = store;
        this.version = version;
        this.clock = clock;
        this.runners = new RunnerRegistry(store, clock, version, threads::later);
        // Local mode (no recovery) leaves the store's other builds alone: they may be another local run's, live, in
        // the same store; one left running by a run that was killed stays so, which nothing of local mode reads.
        if (recover) recover();
    }

    /** Rebuilds the queue after a restart: queued jobs go back in line, running jobs keep their runner's lease. */
    private void recover() {
        Instant now = clock.instant();
        for (Store.RunnerRow row : store.runners()) runners.add(row.id(), new RunnerRegistry.RunnerState(row, now));
        for (BuildInfo build : store.buildsWithStatus(BuildStatus.RUNNING)) {
            BuildRequest request = store.buildRequest(build.id());
            List<Store.JobRow> jobs = store.jobs(build.id());
            Active.Build active = new Active.Build(build.id(), request, 0);
            List<BuildEvent> events = store.events(build.id(), 0);
            active.lastSeq = events.isEmpty() ? 0 : events.get(events.size() - 1).seq();
            for (Store.JobRow job : jobs) {
                if (job.status() == Store.JobStatus.DONE) {
                    if (job.result() != null) active.tally.add(job.runnerId() == null ? "" : job.runnerId(), job.result(), job.attempt(), job.files());
                    continue;
                }
                if (job.status() == Store.JobStatus.CANCELLED) continue;
                active.remainingJobs++;
                Active.Job aj = new Active.Job(job);
                activeJobs.put(job.id(), aj);
                RunnerRegistry.RunnerState runner = job.runnerId() == null ? null : runners.get(job.runnerId());
                if (job.status() == Store.JobStatus.RUNNING && runner != null) {
                    aj.runnerId = runner.row.id();
                    aj.assignedAt = now;
                    runner.running.add(job.id());
                    active.running++;
                } else {
                    queue.addLast(build.id(), job.id(), job.avoidRunner());
                }
            }
            activeBuilds.put(build.id(), active);
            if (active.remainingJobs == 0) finishBuild(active, active.tally.verdict(request.files(), false).status());
        }
        if (!activeBuilds.isEmpty()) log.info("recovered {} running build(s), {} queued job(s)", activeBuilds.size(), queue.size());
    }

    public String version() {
        return version;
    }

    // ---- runners ------------------------------------------------------------------------------------------

    public Runners.Registered register(Runners.Registration registration, String address) {
        Instant now = clock.instant();
        String id = UUID.randomUUID().toString();
        Store.RunnerRow row = new Store.RunnerRow(id, registration.hostname(), address, registration.version(),
                Math.max(1, registration.instances()), registration.workDir(), now, now, registration.processPerJob());
        store.saveRunner(row);
        lock.lock();
        try {
            runners.add(id, new RunnerRegistry.RunnerState(row, now));
            boolean upToDate = version.equals(registration.version());
            log.info("runner {} registered: {} ({}), {} instance(s), version {}{}", id, row.hostname(), address, row.instances(),
                    row.version(), upToDate ? "" : " -- OUTDATED, it gets no jobs");
            signal();
            return new Runners.Registered(id, version, upToDate);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Renews the runner's lease, reconciles the jobs it says it runs with those the server gave it, and waits up
     * to waitMillis for jobs of it to stop. running is null from a runner that does not report its jobs.
     */
    public Runners.HeartbeatReply heartbeat(String runnerId, List<Long> running, long waitMillis) throws InterruptedException {
        return await(heartbeatAsync(runnerId, running, null, waitMillis));
    }

    /** As above, keeping what the runner notes for its operator (why it cannot update itself, say). */
    public Runners.HeartbeatReply heartbeat(String runnerId, List<Long> running, String note, long waitMillis) throws InterruptedException {
        return await(heartbeatAsync(runnerId, running, note, waitMillis));
    }

    /** The same, parked without a thread: the reply completes when a job of it must stop or the wait runs out. */
    public CompletableFuture<Runners.HeartbeatReply> heartbeatAsync(String runnerId, List<Long> running, String note, long waitMillis) {
        lock.lock();
        try {
            RunnerRegistry.RunnerState runner = runners.get(runnerId);
            if (runner == null) return CompletableFuture.completedFuture(new Runners.HeartbeatReply(List.of(), false));
            boolean wasLive = runners.isLive(runner, clock.instant());
            runners.touch(runner);
            if (!java.util.Objects.equals(runner.note, note)) {
                runner.note = note;
                signal();
            }
            runner.left = false;
            if (running != null) reconcile(runner, running);
            CompletableFuture<Runners.HeartbeatReply> reply = new CompletableFuture<>();
            if (!runner.cancels.isEmpty() || waitMillis <= 0 || closing) {
                reply.complete(new Runners.HeartbeatReply(takeCancels(runner), true));
            } else {
                RunnerRegistry.ParkedHeartbeat parked = new RunnerRegistry.ParkedHeartbeat(reply);
                runner.heartbeats.add(parked);
                parked.timeout = threads.expireAfter(waitMillis, () -> {
                    if (runner.heartbeats.remove(parked)) threads.settle(reply, new Runners.HeartbeatReply(takeCancels(runner), true));
                });
            }
            if (!wasLive) {
                signal();
                dispatchToWaiting(); // its parked job requests may take work again
            }
            return reply;
        } finally {
            lock.unlock();
        }
    }

    private static List<Long> takeCancels(RunnerRegistry.RunnerState runner) {
        List<Long> cancels = List.copyOf(runner.cancels);
        runner.cancels.clear();
        return cancels;
    }

    /** Tells the runner, at once if a heartbeat of it is parked here, to stop a job. */
    private void cancelOnRunner(RunnerRegistry.RunnerState runner, long jobId) {
        runner.cancels.add(jobId);
        if (runner.heartbeats.isEmpty()) return;
        List<Long> cancels = takeCancels(runner);
        for (RunnerRegistry.ParkedHeartbeat parked : runner.heartbeats) {
            parked.timeout.cancel(false);
            threads.settle(parked.reply, new Runners.HeartbeatReply(cancels, true));
        }
        runner.heartbeats.clear();
    }

    /**
     * A job the runner runs but no longer holds (requeued while it was cut off, or cancelled) must stop there;
     * a job the server gave it long enough ago that it should have started, but that it does not run (the answer
     * was lost, say in a server crash), goes back to the queue.
     */
    private void reconcile(RunnerRegistry.RunnerState runner, List<Long> reported) {
        Set<Long> reportedSet = new HashSet<>(reported);
        for (Long jobId : reportedSet) if (!runner.running.contains(jobId)) runner.cancels.add(jobId);
        Instant now = clock.instant();
        for (Long jobId : List.copyOf(runner.running)) {
            Active.Job job = activeJobs.get(jobId);
            if (!reportedSet.contains(jobId) && job != null && job.assignedAt != null && !job.recording
                    && Duration.between(job.assignedAt, now).compareTo(RUNNER_LEASE) > 0) {
                log.warn("runner {} ({}) does not hold job {} it was given; requeued", runner.row.id(), runner.row.hostname(), jobId);
                requeue(runner, jobId);
            }
        }
    }

    private void requeue(RunnerRegistry.RunnerState runner, long jobId) {
        Active.Job job = activeJobs.get(jobId);
        if (job != null && job.recording) return; // its result is arriving: it is not lost
        runner.running.remove(jobId);
        if (job == null) return;
        Active.Build build = activeBuilds.get(job.buildId);
        if (build != null && job.runnerId != null) build.running--;
        job.runnerId = null;
        job.assignedAt = null;
        threads.later(() -> store.jobRequeued(jobId));
        events.jobRequeued();
        queue.addFirst(job.buildId, jobId, job.avoidRunner);
        signal();
        dispatchToWaiting();
    }

    /** A runner shutting down gracefully: its jobs go back to the queue now rather than when its lease runs out. */
    public void leave(String runnerId) {
        lock.lock();
        try {
            RunnerRegistry.RunnerState runner = runners.get(runnerId);
            if (runner == null) return;
            runner.left = true;
            List<Long> held = List.copyOf(runner.running);
            held.forEach(jobId -> requeue(runner, jobId));
            log.info("runner {} ({}) left; {} job(s) requeued", runnerId, runner.row.hostname(), held.size());
            signal();
        } finally {
            lock.unlock();
        }
    }

    /** Hands the runner its next job, waiting up to waitMillis for one. */
    public Optional<JobAssignment> nextJob(String runnerId, long waitMillis) throws InterruptedException {
        return nextJob(runnerId, 0, waitMillis);
    }

    /** As above, for an instance of the runner (1..n; 0 when the runner does not say), which the status page shows. */
    public Optional<JobAssignment> nextJob(String runnerId, int instance, long waitMillis) throws InterruptedException {
        return await(nextJobAsync(runnerId, instance, waitMillis));
    }

    /**
     * The same, parked without a thread: the reply completes with a job as soon as one is queued for this
     * instance (those that waited longest first), or empty when the wait runs out. An unknown or outdated runner is
     * refused at once, by exception.
     */
    public CompletableFuture<Optional<JobAssignment>> nextJobAsync(String runnerId, int instance, long waitMillis) {
        lock.lock();
        try {
            RunnerRegistry.RunnerState runner = runners.get(runnerId);
            if (runner == null) throw new UnknownRunnerException(runnerId);
            if (!version.equals(runner.row.version())) {
                if (!runner.told) log.warn("runner {} ({}) is version {}, server is {}: it gets no jobs", runnerId, runner.row.hostname(), runner.row.version(), version);
                runner.told = true;
                runners.touch(runner);
                throw new OutdatedRunnerException("runner version " + runner.row.version() + " differs from server version " + version
                        + "; this runner gets no jobs until it is updated");
            }
            runners.touch(runner);
            runner.left = false;
            Optional<JobAssignment> job = assignNext(runner, instance);
            if (job.isPresent() || waitMillis <= 0 || closing) return CompletableFuture.completedFuture(job);
            JobRequest request = new JobRequest(runner, instance);
            jobRequests.add(request);
            request.timeout = threads.expireAfter(waitMillis, () -> {
                if (jobRequests.remove(request)) threads.settle(request.reply, Optional.empty());
            });
            return request.reply;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Hands the runner the next job it may take, if any; only a runner that keeps its heartbeat gets work (a request
     * parked here may outlive its runner).
     */
    private Optional<JobAssignment> assignNext(RunnerRegistry.RunnerState runner, int instance) {
        if (!runners.isLive(runner, clock.instant())) return Optional.empty();
        String runnerId = runner.row.id();
        Long jobId = queue.take(runnerId, buildId -> activeBuilds.get(buildId).running, () -> {
            Instant now = clock.instant();
            return runners.all().stream().anyMatch(r -> !r.row.id().equals(runnerId) && runners.usable(r, now));
        });
        if (jobId == null) return Optional.empty();
        Active.Job job = activeJobs.get(jobId);
        if (job == null) throw new IllegalStateException("queued job " + jobId + " is not active"); // a bug: say so
        job.runnerId = runnerId;
        job.instance = instance;
        job.assignedAt = clock.instant();
        runner.running.add(jobId);
        Instant startedAt = job.assignedAt;
        threads.later(() -> store.jobStarted(jobId, runnerId, startedAt));
        Active.Build build = activeBuilds.get(job.buildId);
        build.running++;
        BuildRequest r = build.request;
        signal();
        return Optional.of(new JobAssignment(jobId, job.buildId, r.project(), r.adapter(), job.files,
                r.options(), r.beforeRun(), r.manifest() == null, r.jobTimeout(), build.remainingJobs <= build.running, r.environment()));
    }

    /** Hands queued jobs to the instances waiting for one, those that waited longest first. */
    private void dispatchToWaiting() {
        for (Iterator<JobRequest> it = jobRequests.iterator(); it.hasNext() && !queue.isEmpty(); ) {
            JobRequest request = it.next();
            Optional<JobAssignment> job = assignNext(request.runner, request.instance);
            if (job.isEmpty()) continue;
            it.remove();
            request.timeout.cancel(false);
            threads.settle(request.reply, job);
        }
    }

    /** A value read under the lock. */
    private <T> T locked(java.util.function.Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }

    /** How many instances' requests for a job are parked here now. */
    int parkedJobRequests() {
        return locked(() -> jobRequests.size());
    }

    /** Whether a job of this build still waits in the queue (not handed out yet, or handed back). */
    public boolean hasQueuedJobs(long buildId) {
        lock.lock();
        try {
            Active.Build build = activeBuilds.get(buildId);
            return build != null && build.remainingJobs > build.running;
        } finally {
            lock.unlock();
        }
    }

    /** What became of a job's result. */
    public enum ResultStatus {
        /** Not this runner's job (any more: cancelled, requeued, unknown): the result is ignored. */
        IGNORED,
        RECORDED,
        /** Recorded, and its build is over (finished or stopped): no more of its jobs will be handed out. */
        BUILD_OVER
    }

    /**
     * Records a job's result unless the job is no longer this runner's (cancelled, requeued, unknown), and says
     * whether that ended its build. Should the recording fail, the job stays the runner's, for it to report again.
     * The store is written outside the scheduler's lock, under the build's own ({@link Active.Build#writes}).
     */
    public ResultStatus record(long jobId, JobResult result) {
        Active.Job job;
        Active.Build build;
        RunnerRegistry.RunnerState runner;
        String runnerName;
        boolean processPerJob;
        Store.Retry retry;
        lock.lock();
        try {
            job = activeJobs.get(jobId);
            if (job == null || job.runnerId == null || !job.runnerId.equals(result.runnerId()) || job.recording) return ResultStatus.IGNORED;
            runner = runners.get(job.runnerId);
            build = activeBuilds.get(job.buildId);
            runnerName = runner == null ? job.runnerId : runner.row.hostname();
            processPerJob = runner != null && runner.row.processPerJob();
            Set<String> failedIds = result.failedIds();
            boolean rerunsById = Adapters.find(build.request.adapter()).map(Adapter::rerunsById).orElse(false);
            retry = rerunsById && !result.errored() && !failedIds.isEmpty() && job.attempt < build.request.retryFailed()
                    ? new Store.Retry(failedIds.stream().sorted().toList(), job.attempt + 1, job.runnerId) : null;
            job.recording = true;
        } finally {
            lock.unlock();
        }
        build.writes.lock();
        try {
            Store.Recorded recorded;
            if (build.over) return ResultStatus.IGNORED; // stopped while this result waited: its job was cancelled
            try {
                recorded = store.recordJobResult(new Store.JobReport(build.id, jobId, job.attempt, job.files,
                        new Store.HistoryKey(build.request.project(), build.request.adapter(), processPerJob), runnerName, result, retry, clock.instant()));
            } catch (RuntimeException e) {
                lock.lock();
                job.recording = false; // still the runner's, for it to report again
                lock.unlock();
                throw e;
            }
            if (recorded == null) {
                // The store has a result for it already (or it was cancelled there): not this result's to give.
                lock.lock();
                job.recording = false;
                lock.unlock();
                log.warn("job {}: the store has its result already; this one from {} is ignored", jobId, runnerName);
                return ResultStatus.IGNORED;
            }
            String verdict = null;
            boolean failFast = false;
            lock.lock();
            try {
                // Recorded: only now does the scheduler let go of the job.
                activeJobs.remove(jobId);
                build.running--;
                if (runner != null) {
                    runner.running.remove(jobId);
                    runners.touch(runner);
                }
                if (retry != null) {
                    activeJobs.put(recorded.retryJobId(), new Active.Job(recorded.retryJobId(), build.id, retry.files(), retry.attempt(), retry.avoidRunner()));
                    queue.addFirst(build.id, recorded.retryJobId(), retry.avoidRunner());
                    build.remainingJobs++;
                    log.info("build {}: {} failing example(s) of job {} queued for re-run {} of {}", build.id, retry.files().size(), jobId,
                            retry.attempt(), build.request.retryFailed());
                }
                build.tally.add(runnerName, result, job.attempt, job.files);
                events.jobFinished(result.outcome(), result.seconds());
                build.remainingJobs--;
                advance(build, recorded.event().seq());
                if (build.remainingJobs == 0) verdict = build.tally.verdict(build.request.files(), false).status();
                else failFast = build.request.failFast() && BuildTally.failsForGood(result, retry != null);
                signal();
                if (retry != null) dispatchToWaiting();
            } finally {
                lock.unlock();
            }
            if (verdict != null) finishBuild(build, verdict);
            else if (failFast) stopBuild(build, BuildStatus.FAILED, "failed fast");
            return build.over ? ResultStatus.BUILD_OVER : ResultStatus.RECORDED;
        } finally {
            build.writes.unlock();
        }
    }

    // ---- builds -------------------------------------------------------------------------------------------

    /**
     * Plans a build's jobs and queues them. The planning and the store's writes happen before the lock is taken:
     * a build of thousands of jobs does not hold up the runners' requests meanwhile.
     */
    public BuildInfo submit(BuildRequest request) {
        var manifest = Active.manifestOf(request);
        int instances;
        boolean processPerJob;
        lock.lock();
        try {
            instances = Math.max(2, runners.liveInstances());
            processPerJob = runners.mostlyProcessPerJob();
        } finally {
            lock.unlock();
        }
        Map<String, Long> fileSizes = new HashMap<>();
        if (request.manifest() != null) for (FileEntry e : request.manifest()) fileSizes.put(e.path(), e.size());
        else if (request.sizes() != null) fileSizes.putAll(request.sizes());
        Optional<Adapter> adapter = Adapters.find(request.adapter());
        Function<String, String> fileOf = adapter.<Function<String, String>>map(a -> a::fileOf).orElse(Function.identity());
        Map<String, Double> runtimes = JobPlanner.perEntry(request.files(), store.runtimes(request.project(), request.adapter()), fileOf);
        Map<String, Double> sizes = JobPlanner.perEntry(request.files(), fileSizes, fileOf);
        List<List<String>> groups = JobPlanner.plan(request.files(), runtimes, sizes, instances, request.jobSize(),
                store.jobOverhead(new Store.HistoryKey(request.project(), request.adapter(), processPerJob))
                        .orElseGet(() -> adapter.map(a -> a.assumedJobOverhead(processPerJob)).orElse(Adapter.ASSUMED_JOB_OVERHEAD)));
        long id = store.createBuild(request, groups, clock.instant());
        List<Store.JobRow> jobs = store.jobs(id);
        lock.lock();
        try {
            Active.Build build = new Active.Build(id, request, groups.size(), manifest);
            activeBuilds.put(id, build);
            for (Store.JobRow job : jobs) {
                activeJobs.put(job.id(), new Active.Job(job));
                queue.addLast(id, job.id(), job.avoidRunner());
            }
            signal();
            dispatchToWaiting();
        } finally {
            lock.unlock();
        }
        log.info("build {} of {} ({}): {} file(s) in {} job(s), requested by {}", id, request.project(), request.adapter(),
                request.files().size(), groups.size(), request.requestedBy());
        return store.build(id);
    }

    public BuildInfo cancel(long buildId) {
        Active.Build build;
        lock.lock();
        try {
            build = activeBuilds.get(buildId);
        } finally {
            lock.unlock();
        }
        if (build == null) return store.build(buildId);
        build.writes.lock();
        try {
            return build.over ? store.build(buildId) : stopBuild(build, BuildStatus.CANCELLED, "cancelled");
        } finally {
            build.writes.unlock();
        }
    }

    /**
     * Ends a build before all its jobs ran: queued jobs are dropped, running ones stopped on their runners. The
     * caller holds the build's {@link Active.Build#writes}, not the scheduler's lock.
     */
    private BuildInfo stopBuild(Active.Build build, String status, String why) {
        int stopped = 0;
        int dropped = 0;
        lock.lock();
        try {
            queue.dropBuild(build.id);
            for (Active.Job job : new ArrayList<>(activeJobs.values())) {
                if (job.buildId != build.id) continue;
                dropped++;
                activeJobs.remove(job.id);
                RunnerRegistry.RunnerState runner = job.runnerId == null ? null : runners.get(job.runnerId);
                if (runner != null) {
                    runner.running.remove(job.id);
                    cancelOnRunner(runner, job.id);
                    stopped++;
                }
            }
            build.remainingJobs = 0;
            build.over = true;
            activeBuilds.remove(build.id);
            signal();
        } finally {
            lock.unlock();
        }
        BuildEvent finished = store.finishBuild(build.id, status, clock.instant());
        events.jobsCancelled(dropped);
        events.buildFinished(status);
        lock.lock();
        try {
            advance(build, finished.seq());
        } finally {
            lock.unlock();
        }
        log.info("build {} {}; {} running job(s) told to stop", build.id, why, stopped);
        return finished.build();
    }

    /** Ends a build whose jobs have all reported, with its verdict. The caller holds the build's writes, not the scheduler's lock. */
    private void finishBuild(Active.Build build, String status) {
        long seq = store.finishBuild(build.id, status, clock.instant()).seq();
        events.buildFinished(status);
        lock.lock();
        try {
            build.over = true;
            activeBuilds.remove(build.id);
            advance(build, seq);
            signal();
        } finally {
            lock.unlock();
        }
        log.info("build {} {}", build.id, status);
    }

    /** Events of a build after a sequence number, waiting up to waitMillis for the first one. */
    public EventsReply events(long buildId, long after, long waitMillis) throws InterruptedException {
        return await(eventsAsync(buildId, after, waitMillis));
    }

    /**
     * The same, parked without a thread until the build has events after that number (or has ended, or the wait ran
     * out); the events are then read from the store off the lock.
     */
    public CompletableFuture<EventsReply> eventsAsync(long buildId, long after, long waitMillis) {
        lock.lock();
        try {
            Active.Build build = activeBuilds.get(buildId);
            if (build == null || build.lastSeq > after || waitMillis <= 0 || closing) {
                return threads.supply(() -> readEvents(buildId, after));
            }
            return threads.after(followers.follow(buildId, after, waitMillis), () -> readEvents(buildId, after));
        } finally {
            lock.unlock();
        }
    }

    private EventsReply readEvents(long buildId, long after) {
        // The build first: once it reads finished, the events read after it hold its build_finished.
        String status = store.buildStatus(buildId);
        List<BuildEvent> events = store.events(buildId, after);
        int live;
        lock.lock();
        try {
            live = runners.liveRunners();
        } finally {
            lock.unlock();
        }
        return new EventsReply(events, live, status);
    }

    /** The build has events up to seq now: its followers waiting for fewer are due. */
    private void advance(Active.Build build, long seq) {
        build.lastSeq = seq;
        followers.advance(build.id, seq);
    }

    /** Waits for a parked request's reply, for callers in the same process. */
    private static <T> T await(CompletableFuture<T> reply) throws InterruptedException {
        try {
            return reply.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException cause) throw cause;
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Answers every parked request at once, so the HTTP server can stop without waiting for them. */
    public void close() {
        lock.lock();
        try {
            closing = true;
            for (JobRequest request : jobRequests) {
                request.timeout.cancel(false);
                threads.settle(request.reply, Optional.empty());
            }
            jobRequests.clear();
            for (RunnerRegistry.RunnerState runner : runners.all()) {
                for (RunnerRegistry.ParkedHeartbeat parked : runner.heartbeats) {
                    parked.timeout.cancel(false);
                    threads.settle(parked.reply, new Runners.HeartbeatReply(takeCancels(runner), true));
                }
                runner.heartbeats.clear();
            }
            followers.releaseAll();
            signal();
        } finally {
            lock.unlock();
        }
        threads.close(); // the replies just settled still go out; what is left to write is written
    }

    // ---- leases -------------------------------------------------------------------------------------------

    /** Gives the jobs of runners whose lease ran out back to the queue. Called every second. */
    public void expireLeases() {
        lock.lock();
        try {
            Instant now = clock.instant();
            for (RunnerRegistry.RunnerState runner : runners.all()) {
                if (runner.running.isEmpty() || runners.isLive(runner, now)) continue;
                List<Long> lost = List.copyOf(runner.running);
                lost.forEach(jobId -> requeue(runner, jobId));
                log.warn("runner {} ({}) not heard from for {} s: {} job(s) requeued", runner.row.id(), runner.row.hostname(),
                        RUNNER_LEASE.toSeconds(), lost.size());
                signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Idle instances of live, up-to-date runners. */
    public int availableInstances() {
        return locked(() -> runners.availableInstances());
    }

    /** Jobs waiting for an instance. */
    public int queuedJobs() {
        return locked(() -> queue.size());
    }

    /** Builds not finished. */
    public int runningBuilds() {
        return locked(() -> activeBuilds.size());
    }

    public int totalInstances() {
        return locked(() -> runners.liveInstances());
    }

    public List<RunnerInfo> runners() {
        return locked(() -> runners.infos());
    }

    /** What history says about these files, and how many instances could run them now. */
    public Estimate.Reply estimate(Estimate.Request request) {
        return estimate(store, request, totalInstances(), locked(runners::mostlyProcessPerJob));
    }

    /**
     * The same from a store alone (local mode's --dry-run reads its history without starting a server), for
     * runners that start a process per job or keep warm workers.
     */
    public static Estimate.Reply estimate(Store store, Estimate.Request request, int availableInstances, boolean processPerJob) {
        Map<String, Double> all = store.runtimes(request.project(), request.adapter());
        Map<String, Double> known = new HashMap<>();
        for (String file : request.files()) if (all.containsKey(file)) known.put(file, all.get(file));
        java.util.OptionalDouble overhead = store.jobOverhead(new Store.HistoryKey(request.project(), request.adapter(), processPerJob));
        return new Estimate.Reply(known, overhead.isPresent() ? overhead.getAsDouble() : null, availableInstances);
    }

    /**
     * The manifest a build was submitted with (empty for an in-place build); null when there is no such build. A
     * running build's is made once, from memory, for all its runners: reading it back from the store parsed the
     * whole request again for every runner.
     */
    public BuildManifest manifest(long buildId) {
        Active.Build active = locked(() -> activeBuilds.get(buildId));
        if (active != null) return active.manifest();
        BuildRequest request = store.buildRequest(buildId);
        return request == null ? null : BuildManifest.of(request);
    }

}
