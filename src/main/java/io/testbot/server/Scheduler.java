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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The server's live state: the job queue, the runners and their leases, the running builds.
 * Everything that matters is written to the {@link Store} as it changes, and rebuilt from it on start.
 * One lock guards it all; waiters (runners asking for work, requesters following a build) park on one condition
 * that every change signals, so nobody polls on a timer.
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
    private final Condition changed = lock.newCondition();

    private final Deque<Long> queue = new ArrayDeque<>();
    private final Map<Long, ActiveJob> activeJobs = new HashMap<>();
    private final Map<Long, ActiveBuild> activeBuilds = new HashMap<>();
    private final RunnerRegistry runners;
    private boolean closing;
    /** Counts the changes waiters are woken for: the status page pushes a new view when it moved. */
    private volatile long changes;

    /** Wakes every waiter: something changed. */
    private void signal() {
        changes++;
        changed.signalAll();
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
            for (ActiveJob job : activeJobs.values()) {
                if (job.runnerId == null) continue;
                RunnerRegistry.RunnerState runner = runners.get(job.runnerId);
                jobs.computeIfAbsent(job.buildId, id -> new ArrayList<>())
                        .add(new LiveJob(job.id, runner == null ? job.runnerId : runner.row.hostname(), job.instance, job.files, job.assignedAt));
            }
            List<LiveBuild> builds = new ArrayList<>();
            for (ActiveBuild build : activeBuilds.values()) {
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

    private static final class ActiveJob {
        final long id;
        final long buildId;
        final List<String> files;
        /** 0 for the build's own jobs, n for the n-th re-run of failing examples. */
        final int attempt;
        /** The runner that failed these examples: another one should re-run them, if there is one. */
        final String avoidRunner;
        String runnerId;
        /** The runner's instance that runs it, as the runner said (0: unsaid). */
        int instance;
        Instant assignedAt;

        ActiveJob(long id, long buildId, List<String> files, int attempt, String avoidRunner) {
            this.id = id;
            this.buildId = buildId;
            this.files = files;
            this.attempt = attempt;
            this.avoidRunner = avoidRunner;
        }

        ActiveJob(Store.JobRow row) {
            this(row.id(), row.buildId(), row.files(), row.attempt(), row.avoidRunner());
        }
    }

    private static final class ActiveBuild {
        final long id;
        final BuildRequest request;
        /** Jobs not finished: those running and those queued. */
        int remainingJobs;
        /** Jobs of this build on runners now: the build with the fewest is served first. */
        int running;
        /** What its jobs' results add up to, for its verdict. */
        final BuildTally tally = new BuildTally();
        long lastSeq;

        /** Its manifest as JSON, once a runner has asked for it. */
        private byte[] manifestJson;

        ActiveBuild(long id, BuildRequest request, int remainingJobs) {
            this.id = id;
            this.request = request;
            this.remainingJobs = remainingJobs;
        }

        synchronized byte[] manifestJson() throws com.fasterxml.jackson.core.JsonProcessingException {
            if (manifestJson == null) manifestJson = Scheduler.manifestJson(request);
            return manifestJson;
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
        this.runners = new RunnerRegistry(store, clock, version);
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
            ActiveBuild active = new ActiveBuild(build.id(), request, 0);
            List<BuildEvent> events = store.events(build.id(), 0);
            active.lastSeq = events.isEmpty() ? 0 : events.get(events.size() - 1).seq();
            for (Store.JobRow job : jobs) {
                if (job.status().equals("done")) {
                    if (job.result() != null) active.tally.add(job.runnerId() == null ? "" : job.runnerId(), job.result(), job.attempt(), job.files());
                    continue;
                }
                if (job.status().equals("cancelled")) continue;
                active.remainingJobs++;
                ActiveJob aj = new ActiveJob(job);
                activeJobs.put(job.id(), aj);
                RunnerRegistry.RunnerState runner = job.runnerId() == null ? null : runners.get(job.runnerId());
                if (job.status().equals("running") && runner != null) {
                    aj.runnerId = runner.row.id();
                    aj.assignedAt = now;
                    runner.running.add(job.id());
                    active.running++;
                } else {
                    queue.addLast(job.id());
                }
            }
            activeBuilds.put(build.id(), active);
            if (active.remainingJobs == 0) finishBuild(active);
        }
        if (!activeBuilds.isEmpty()) log.info("recovered {} running build(s), {} queued job(s)", activeBuilds.size(), queue.size());
    }

    public String version() {
        return version;
    }

    // ---- runners ------------------------------------------------------------------------------------------

    public Runners.Registered register(Runners.Registration registration, String address) {
        lock.lock();
        try {
            Instant now = clock.instant();
            String id = UUID.randomUUID().toString();
            Store.RunnerRow row = new Store.RunnerRow(id, registration.hostname(), address, registration.version(),
                    Math.max(1, registration.instances()), registration.workDir(), now, now);
            store.saveRunner(row);
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
        return heartbeat(runnerId, running, null, waitMillis);
    }

    /** As above, keeping what the runner notes for its operator (why it cannot update itself, say). */
    public Runners.HeartbeatReply heartbeat(String runnerId, List<Long> running, String note, long waitMillis) throws InterruptedException {
        lock.lock();
        try {
            RunnerRegistry.RunnerState runner = runners.get(runnerId);
            if (runner == null) return new Runners.HeartbeatReply(List.of(), false);
            boolean wasLive = runners.isLive(runner, clock.instant());
            runners.touch(runner);
            if (!java.util.Objects.equals(runner.note, note)) {
                runner.note = note;
                signal();
            }
            runner.left = false;
            if (!wasLive) signal(); // its parked job requests may take work again
            if (running != null) reconcile(runner, running);
            long remaining = TimeUnit.MILLISECONDS.toNanos(waitMillis);
            runner.heartbeatPolls++;
            try {
                while (runner.cancels.isEmpty() && remaining > 0 && !closing) remaining = changed.awaitNanos(remaining);
                List<Long> cancels = List.copyOf(runner.cancels);
                runner.cancels.clear();
                return new Runners.HeartbeatReply(cancels, true);
            } finally {
                runner.heartbeatPolls--;
            }
        } finally {
            lock.unlock();
        }
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
            ActiveJob job = activeJobs.get(jobId);
            if (!reportedSet.contains(jobId) && job != null && job.assignedAt != null
                    && Duration.between(job.assignedAt, now).compareTo(RUNNER_LEASE) > 0) {
                log.warn("runner {} ({}) does not hold job {} it was given; requeued", runner.row.id(), runner.row.hostname(), jobId);
                requeue(runner, jobId);
            }
        }
    }

    private void requeue(RunnerRegistry.RunnerState runner, long jobId) {
        runner.running.remove(jobId);
        ActiveJob job = activeJobs.get(jobId);
        if (job == null) return;
        ActiveBuild build = activeBuilds.get(job.buildId);
        if (build != null && job.runnerId != null) build.running--;
        job.runnerId = null;
        job.assignedAt = null;
        store.jobRequeued(jobId);
        events.jobRequeued();
        queue.addFirst(jobId);
        signal();
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
            long remaining = TimeUnit.MILLISECONDS.toNanos(waitMillis);
            runners.touch(runner);
            runner.left = false;
            while (true) {
                // A request parked here may outlive its runner; only a runner that keeps its heartbeat gets work.
                if (runners.isLive(runner, clock.instant())) {
                    Long jobId = nextFairJob(runnerId);
                    if (jobId != null) {
                        ActiveJob job = activeJobs.get(jobId);
                        job.runnerId = runnerId;
                        job.instance = instance;
                        job.assignedAt = clock.instant();
                        runner.running.add(jobId);
                        store.jobStarted(jobId, runnerId, clock.instant());
                        ActiveBuild build = activeBuilds.get(job.buildId);
                        build.running++;
                        BuildRequest r = build.request;
                        signal();
                        return Optional.of(new JobAssignment(jobId, job.buildId, r.project(), r.adapter(), job.files,
                                r.options(), r.beforeRun(), r.manifest() == null, r.jobTimeout(), build.remainingJobs <= build.running, r.environment()));
                    }
                }
                if (remaining <= 0 || closing) return Optional.empty();
                remaining = changed.awaitNanos(remaining);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether a job of this build still waits in the queue (not handed out yet, or handed back). */
    public boolean hasQueuedJobs(long buildId) {
        lock.lock();
        try {
            ActiveBuild build = activeBuilds.get(buildId);
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
     */
    public ResultStatus record(long jobId, JobResult result) {
        lock.lock();
        try {
            ActiveJob job = activeJobs.get(jobId);
            if (job == null || job.runnerId == null || !job.runnerId.equals(result.runnerId())) return ResultStatus.IGNORED;
            RunnerRegistry.RunnerState runner = runners.get(job.runnerId);
            Instant now = clock.instant();
            ActiveBuild build = activeBuilds.get(job.buildId);
            String runnerName = runner == null ? job.runnerId : runner.row.hostname();
            Set<String> failedIds = result.failedIds();
            boolean rerunsById = Adapters.find(build.request.adapter()).map(Adapter::rerunsById).orElse(false);
            Store.Retry retry = rerunsById && !result.errored() && !failedIds.isEmpty() && job.attempt < build.request.retryFailed()
                    ? new Store.Retry(failedIds.stream().sorted().toList(), job.attempt + 1, job.runnerId) : null;
            Store.Recorded recorded = store.recordJobResult(build.id, jobId, build.request.project(), build.request.adapter(), runnerName,
                    result, job.attempt, job.files, retry, now);
            // Recorded: only now does the scheduler let go of the job.
            activeJobs.remove(jobId);
            build.running--;
            if (runner != null) {
                runner.running.remove(jobId);
                runners.touch(runner);
            }
            build.lastSeq = recorded.event().seq();
            if (retry != null) {
                activeJobs.put(recorded.retryJobId(), new ActiveJob(recorded.retryJobId(), build.id, retry.files(), retry.attempt(), retry.avoidRunner()));
                queue.addFirst(recorded.retryJobId());
                build.remainingJobs++;
                log.info("build {}: {} failing example(s) of job {} queued for re-run {} of {}", build.id, failedIds.size(), jobId,
                        retry.attempt(), build.request.retryFailed());
            }
            build.tally.add(runnerName, result, job.attempt, job.files);
            events.jobFinished(result.outcome(), result.seconds());
            build.remainingJobs--;
            if (build.remainingJobs == 0) finishBuild(build);
            else if (build.request.failFast() && BuildTally.failsForGood(result, retry != null)) stopBuild(build, BuildStatus.FAILED, "failed fast");
            signal();
            return activeBuilds.containsKey(build.id) ? ResultStatus.RECORDED : ResultStatus.BUILD_OVER;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the next job from the queue, sharing instances fairly between builds: the first queued job of the
     * build that has the fewest jobs running now (earlier builds first on a tie).
     */
    private Long nextFairJob(String runnerId) {
        Instant now = clock.instant();
        boolean othersUsable = runners.all().stream().anyMatch(r -> !r.row.id().equals(runnerId) && runners.usable(r, now));
        Long best = null;
        int bestRunning = Integer.MAX_VALUE;
        Set<Long> seenBuilds = new HashSet<>();
        boolean anyLive = false;
        for (Long jobId : queue) {
            ActiveJob job = activeJobs.get(jobId);
            if (job == null) continue;
            anyLive = true;
            if (othersUsable && runnerId.equals(job.avoidRunner)) continue; // a re-run goes to another runner
            if (!seenBuilds.add(job.buildId)) continue;
            int running = activeBuilds.get(job.buildId).running;
            if (running < bestRunning) {
                best = jobId;
                bestRunning = running;
            }
        }
        if (best == null) {
            if (!anyLive) queue.clear(); // only jobs of stopped builds were left
            return null;
        }
        queue.remove(best);
        return best;
    }

    // ---- builds -------------------------------------------------------------------------------------------

    public BuildInfo submit(BuildRequest request) {
        lock.lock();
        try {
            Map<String, Long> fileSizes = new HashMap<>();
            if (request.manifest() != null) for (FileEntry e : request.manifest()) fileSizes.put(e.path(), e.size());
            else if (request.sizes() != null) fileSizes.putAll(request.sizes());
            Optional<Adapter> adapter = Adapters.find(request.adapter());
            Function<String, String> fileOf = adapter.<Function<String, String>>map(a -> a::fileOf).orElse(Function.identity());
            Map<String, Double> runtimes = JobPlanner.perEntry(request.files(), store.runtimes(request.project(), request.adapter()), fileOf);
            Map<String, Double> sizes = JobPlanner.perEntry(request.files(), fileSizes, fileOf);
            int instances = Math.max(2, runners.liveInstances());
            List<List<String>> groups = JobPlanner.plan(request.files(), runtimes, sizes, instances, request.jobSize(),
                    store.jobOverhead(request.project(), request.adapter()).orElseGet(() -> adapter.map(Adapter::assumedJobOverhead).orElse(Adapter.ASSUMED_JOB_OVERHEAD)));
            long id = store.createBuild(request, groups, clock.instant());
            ActiveBuild build = new ActiveBuild(id, request, groups.size());
            activeBuilds.put(id, build);
            for (Store.JobRow job : store.jobs(id)) {
                activeJobs.put(job.id(), new ActiveJob(job));
                queue.addLast(job.id());
            }
            log.info("build {} of {} ({}): {} file(s) in {} job(s), requested by {}", id, request.project(), request.adapter(),
                    request.files().size(), groups.size(), request.requestedBy());
            signal();
            return store.build(id);
        } finally {
            lock.unlock();
        }
    }

    public BuildInfo cancel(long buildId) {
        lock.lock();
        try {
            ActiveBuild build = activeBuilds.get(buildId);
            if (build == null) return store.build(buildId);
            return stopBuild(build, BuildStatus.CANCELLED, "cancelled");
        } finally {
            lock.unlock();
        }
    }

    /** Ends a build before all its jobs ran: queued jobs are dropped, running ones stopped on their runners. */
    private BuildInfo stopBuild(ActiveBuild build, String status, String why) {
        Instant now = clock.instant();
        int stopped = 0;
        int dropped = 0;
        for (ActiveJob job : new ArrayList<>(activeJobs.values())) {
            if (job.buildId != build.id) continue;
            dropped++;
            activeJobs.remove(job.id);
            queue.remove(job.id);
            RunnerRegistry.RunnerState runner = job.runnerId == null ? null : runners.get(job.runnerId);
            if (runner != null) {
                runner.running.remove(job.id);
                runner.cancels.add(job.id);
                stopped++;
            }
        }
        build.remainingJobs = 0;
        BuildEvent finished = store.finishBuild(build.id, status, now);
        events.jobsCancelled(dropped);
        events.buildFinished(status);
        build.lastSeq = finished.seq();
        activeBuilds.remove(build.id);
        BuildInfo info = finished.build();
        log.info("build {} {}; {} running job(s) told to stop", build.id, why, stopped);
        signal();
        return info;
    }

    private void finishBuild(ActiveBuild build) {
        String status = build.tally.verdict(build.request.files(), false).status();
        build.lastSeq = store.finishBuild(build.id, status, clock.instant()).seq();
        events.buildFinished(status);
        activeBuilds.remove(build.id);
        log.info("build {} {}", build.id, status);
    }

    /** Events of a build after a sequence number, waiting up to waitMillis for the first one. */
    public EventsReply events(long buildId, long after, long waitMillis) throws InterruptedException {
        lock.lock();
        try {
            long remaining = TimeUnit.MILLISECONDS.toNanos(waitMillis);
            while (true) {
                ActiveBuild build = activeBuilds.get(buildId);
                if (build == null || build.lastSeq > after || remaining <= 0 || closing) {
                    BuildInfo info = store.build(buildId);
                    return new EventsReply(store.events(buildId, after), runners.liveRunners(), info == null ? null : info.status());
                }
                remaining = changed.awaitNanos(remaining);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Releases every parked long-poll at once, so the HTTP server can stop without waiting for them. */
    public void close() {
        lock.lock();
        try {
            closing = true;
            signal();
        } finally {
            lock.unlock();
        }
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
        lock.lock();
        try {
            return runners.availableInstances();
        } finally {
            lock.unlock();
        }
    }

    /** Jobs waiting for an instance. */
    public int queuedJobs() {
        lock.lock();
        try {
            return (int) queue.stream().filter(activeJobs::containsKey).count();
        } finally {
            lock.unlock();
        }
    }

    /** Builds not finished. */
    public int runningBuilds() {
        lock.lock();
        try {
            return activeBuilds.size();
        } finally {
            lock.unlock();
        }
    }

    public int totalInstances() {
        lock.lock();
        try {
            return runners.liveInstances();
        } finally {
            lock.unlock();
        }
    }

    public List<RunnerInfo> runners() {
        lock.lock();
        try {
            return runners.infos();
        } finally {
            lock.unlock();
        }
    }

    /** What history says about these files, and how many instances could run them now. */
    public Estimate.Reply estimate(Estimate.Request request) {
        return estimate(store, request, totalInstances());
    }

    /** The same from a store alone (local mode's --dry-run reads its history without starting a server). */
    public static Estimate.Reply estimate(Store store, Estimate.Request request, int availableInstances) {
        Map<String, Double> all = store.runtimes(request.project(), request.adapter());
        Map<String, Double> known = new HashMap<>();
        for (String file : request.files()) if (all.containsKey(file)) known.put(file, all.get(file));
        java.util.OptionalDouble overhead = store.jobOverhead(request.project(), request.adapter());
        return new Estimate.Reply(known, overhead.isPresent() ? overhead.getAsDouble() : null, availableInstances);
    }

    /**
     * The manifest a build was submitted with, as JSON (an empty list for an in-place build); null when there is no
     * such build. A running build's is written once, from memory, for all its runners: each runner's sync of a build
     * waits for it, and reading it back from the store parsed the whole request again for every runner.
     */
    public byte[] manifestJson(long buildId) throws java.io.IOException {
        ActiveBuild active;
        lock.lock();
        try {
            active = activeBuilds.get(buildId);
        } finally {
            lock.unlock();
        }
        if (active != null) return active.manifestJson();
        BuildRequest request = store.buildRequest(buildId);
        return request == null ? null : manifestJson(request);
    }

    private static byte[] manifestJson(BuildRequest request) throws com.fasterxml.jackson.core.JsonProcessingException {
        return io.testbot.protocol.Json.MAPPER.writeValueAsBytes(request.manifest() == null ? List.of() : request.manifest());
    }
}
