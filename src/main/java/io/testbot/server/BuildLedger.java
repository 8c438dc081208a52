package io.testbot.server;

import io.testbot.adapters.Adapter;
import io.testbot.adapters.Adapters;
import io.testbot.protocol.BuildEvent;
import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.BuildStatus;
import io.testbot.protocol.BuildTally;
import io.testbot.protocol.FileEntry;
import io.testbot.protocol.JobResult;
import io.testbot.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The builds' books: a build planned and queued, each job's result recorded once ({@link ResultRecorder}), the
 * build's completeness and its verdict ({@link BuildTally} decides), and builds stopped (cancelled, failed fast).
 * The store is written outside the scheduler's lock: a build's results and its end under the build's own lock
 * ({@link Active.Build#writes}), in order.
 */
final class BuildLedger {
    private static final Logger log = LoggerFactory.getLogger(BuildLedger.class);

    private final SchedulerContext context;
    private final Active active;
    private final RunnerRegistry runners;
    private final Dispatch dispatch;
    private final BuildFeed feed;
    private final ResultRecorder results;

    BuildLedger(SchedulerContext context, Active active, RunnerRegistry runners, Dispatch dispatch, BuildFeed feed) {
        this.context = context;
        this.active = active;
        this.runners = runners;
        this.dispatch = dispatch;
        this.feed = feed;
        this.results = new ResultRecorder(context, active, runners, dispatch, feed, new ResultRecorder.BuildEnds() {
            @Override
            public void finish(Active.Build build, String verdict) {
                finishBuild(build, verdict);
            }

            @Override
            public void stop(Active.Build build, String status, String why) {
                stopBuild(build, status, why);
            }
        });
    }

    /** Rebuilds the queue after a restart: queued jobs go back in line, running jobs keep their runner's lease. */
    void recover() {
        Store store = context.store;
        Instant now = context.clock.instant();
        for (Store.RunnerRow row : store.runners()) runners.add(row.id(), new RunnerRegistry.RunnerState(row, now));
        for (BuildInfo build : store.buildsWithStatus(BuildStatus.RUNNING)) {
            BuildRequest request = store.buildRequest(build.id());
            List<Store.JobRow> jobs = store.jobs(build.id());
            Active.Build recovered = new Active.Build(build.id(), request, 0);
            List<BuildEvent> events = store.events(build.id(), 0);
            recovered.lastSeq = events.isEmpty() ? 0 : events.get(events.size() - 1).seq();
            for (Store.JobRow job : jobs) {
                if (job.status() == Store.JobStatus.DONE) {
                    addStored(recovered.tally, job);
                    continue;
                }
                if (job.status() == Store.JobStatus.CANCELLED) continue;
                recovered.remainingJobs++;
                Active.Job aj = new Active.Job(job);
                active.jobs.put(job.id(), aj);
                RunnerRegistry.RunnerState runner = job.runnerId() == null ? null : runners.get(job.runnerId());
                if (job.status() == Store.JobStatus.RUNNING && runner != null) {
                    aj.runnerId = runner.row.id();
                    aj.assignedAt = now;
                    runner.running.add(job.id());
                    recovered.running++;
                } else {
                    dispatch.enqueue(build.id(), job.id(), job.avoidRunner());
                }
            }
            active.builds.put(build.id(), recovered);
            if (recovered.remainingJobs == 0) finishBuild(recovered, recovered.tally.verdict(request.files(), false).status());
        }
        if (!active.builds.isEmpty()) log.info("recovered {} running build(s), {} queued job(s)", active.builds.size(), dispatch.queued());
    }

    /**
     * Plans a build's jobs and queues them. The planning and the store's writes happen before the lock is taken:
     * a build of thousands of jobs does not hold up the runners' requests meanwhile.
     */
    BuildInfo submit(BuildRequest request) {
        var manifest = Active.manifestOf(request);
        int instances;
        boolean processPerJob;
        context.lock.lock();
        try {
            instances = Math.max(2, runners.liveInstancesFor(request.adapter()));
            processPerJob = runners.mostlyProcessPerJob();
        } finally {
            context.lock.unlock();
        }
        Store store = context.store;
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
        long id = store.createBuild(request, groups, context.clock.instant());
        List<Store.JobRow> jobs = store.jobs(id);
        context.lock.lock();
        try {
            Active.Build build = new Active.Build(id, request, groups.size(), manifest);
            active.builds.put(id, build);
            for (Store.JobRow job : jobs) {
                active.jobs.put(job.id(), new Active.Job(job));
                dispatch.enqueue(id, job.id(), job.avoidRunner());
            }
            context.changed();
            dispatch.toWaiting();
        } finally {
            context.lock.unlock();
        }
        log.info("build {} of {} ({}): {} file(s) in {} job(s), requested by {}", id, request.project(), request.adapter(),
                request.files().size(), groups.size(), request.requestedBy());
        return store.build(id);
    }

    /**
     * Records a job's result unless the job is no longer this runner's (cancelled, requeued, unknown), and says
     * whether that ended its build ({@link ResultRecorder}).
     */
    Scheduler.ResultStatus record(long jobId, JobResult result) {
        return results.record(jobId, result);
    }

    /** Counts a job's result as the store has it (a cancelled job has none). */
    static void addStored(BuildTally tally, Store.JobRow job) {
        if (job.result() != null) tally.add(job.runnerId() == null ? "" : job.runnerId(), job.result(), job.attempt(), job.files());
    }

    BuildInfo cancel(long buildId) {
        Active.Build build = context.locked(() -> active.builds.get(buildId));
        if (build == null) return context.store.build(buildId);
        build.writes.lock();
        try {
            return build.over ? context.store.build(buildId) : stopBuild(build, BuildStatus.CANCELLED, "cancelled");
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
        context.lock.lock();
        try {
            dispatch.dropBuild(build.id);
            // Each runner is told of all its jobs of the build at once: told of one, it would stop it, and a job of
            // the build waiting for that one's JVM would take it before it heard of its own.
            Map<RunnerRegistry.RunnerState, List<Long>> toStop = new java.util.LinkedHashMap<>();
            for (Active.Job job : new ArrayList<>(active.jobs.values())) {
                if (job.buildId != build.id) continue;
                dropped++;
                active.jobs.remove(job.id);
                RunnerRegistry.RunnerState runner = job.runnerId == null ? null : runners.get(job.runnerId);
                if (runner != null) {
                    runner.running.remove(job.id);
                    toStop.computeIfAbsent(runner, r -> new ArrayList<>()).add(job.id);
                    stopped++;
                }
            }
            toStop.forEach(runners::cancelOnRunner);
            build.remainingJobs = 0;
            build.over = true;
            active.builds.remove(build.id);
            context.changed();
        } finally {
            context.lock.unlock();
        }
        BuildEvent finished = context.store.finishBuild(build.id, status, context.clock.instant());
        context.events.jobsCancelled(dropped);
        context.events.buildFinished(status);
        context.lock.lock();
        try {
            feed.advance(build, finished.seq());
        } finally {
            context.lock.unlock();
        }
        log.info("build {} {}; {} running job(s) told to stop", build.id, why, stopped);
        return finished.build();
    }

    /** Ends a build whose jobs have all reported, with its verdict. The caller holds the build's writes, not the scheduler's lock. */
    private void finishBuild(Active.Build build, String status) {
        long seq = context.store.finishBuild(build.id, status, context.clock.instant()).seq();
        context.events.buildFinished(status);
        context.lock.lock();
        try {
            build.over = true;
            active.builds.remove(build.id);
            feed.advance(build, seq);
            context.changed();
        } finally {
            context.lock.unlock();
        }
        log.info("build {} {}", build.id, status);
    }

    /** Whether a job of this build still waits in the queue (not handed out yet, or handed back). */
    boolean hasQueuedJobs(long buildId) {
        return context.locked(() -> {
            Active.Build build = active.builds.get(buildId);
            return build != null && build.remainingJobs > build.running;
        });
    }

    /** Results waiting for their build's writes, in all builds. */
    int resultsWaiting() {
        return results.waiting();
    }

    /** Builds not finished. */
    int runningBuilds() {
        return context.locked(active.builds::size);
    }

    /** The running builds, with what each runs where now. */
    List<Scheduler.LiveBuild> liveBuilds() {
        return context.locked(() -> {
            Map<Long, List<Scheduler.LiveJob>> jobs = new HashMap<>();
            for (Active.Job job : active.jobs.values()) {
                if (job.runnerId == null) continue;
                RunnerRegistry.RunnerState runner = runners.get(job.runnerId);
                jobs.computeIfAbsent(job.buildId, id -> new ArrayList<>())
                        .add(new Scheduler.LiveJob(job.id, runner == null ? job.runnerId : runner.row.hostname(), job.instance, job.files, job.assignedAt));
            }
            List<Scheduler.LiveBuild> builds = new ArrayList<>();
            for (Active.Build build : active.builds.values()) {
                List<Scheduler.LiveJob> running = jobs.getOrDefault(build.id, List.of());
                running.sort(java.util.Comparator.comparing(Scheduler.LiveJob::jobId));
                builds.add(new Scheduler.LiveBuild(build.id, build.tally.failing().size(), running));
            }
            builds.sort(java.util.Comparator.comparing(Scheduler.LiveBuild::id));
            return builds;
        });
    }

    /**
     * The manifest a build was submitted with (empty for an in-place build); null when there is no such build. A
     * running build's is made once, from memory, for all its runners: reading it back from the store parsed the
     * whole request again for every runner.
     */
    BuildManifest manifest(long buildId) {
        Active.Build running = context.locked(() -> active.builds.get(buildId));
        if (running != null) return running.manifest();
        BuildRequest request = context.store.buildRequest(buildId);
        return request == null ? null : BuildManifest.of(request);
    }

    /** The request a build was submitted with; null when there is no such build. A running build's from memory, as its manifest. */
    BuildRequest request(long buildId) {
        Active.Build running = context.locked(() -> active.builds.get(buildId));
        return running != null ? running.request : context.store.buildRequest(buildId);
    }
}
