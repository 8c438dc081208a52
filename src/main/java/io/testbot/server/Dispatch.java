package io.testbot.server;

import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.JobAssignment;
import io.testbot.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * The job queue and its dispatch: queued jobs, the instances waiting for one (parked, holding no thread), and which
 * job goes to which instance (fair between builds, see {@link JobQueue}). A queued job goes straight to the
 * instance that has waited longest. Its other methods are called under the scheduler's lock; the store learns of
 * job starts and hand-backs later, from the scheduler's writer thread.
 */
final class Dispatch {
    private static final Logger log = LoggerFactory.getLogger(Dispatch.class);

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

    private final JobQueue queue = new JobQueue();
    /** Instances waiting for a job, longest-waiting first. */
    private final LinkedHashSet<JobRequest> requests = new LinkedHashSet<>();
    private final SchedulerContext context;
    private final Active active;
    private final RunnerRegistry runners;

    Dispatch(SchedulerContext context, Active active, RunnerRegistry runners) {
        this.context = context;
        this.active = active;
        this.runners = runners;
    }

    /**
     * The instance's next job: at once if one is queued for it, else parked until one is (those that waited longest
     * first), empty when the wait runs out. An unknown or outdated runner is refused at once, by exception. The
     * request renews the runner's lease.
     */
    CompletableFuture<Optional<JobAssignment>> nextJobAsync(String runnerId, int instance, long waitMillis) {
        context.lock.lock();
        try {
            RunnerRegistry.RunnerState runner = runners.get(runnerId);
            if (runner == null) throw new Scheduler.UnknownRunnerException(runnerId);
            if (!context.version.equals(runner.row.version())) {
                if (!runner.told) log.warn("runner {} ({}) is version {}, server is {}: it gets no jobs", runnerId, runner.row.hostname(), runner.row.version(), context.version);
                runner.told = true;
                runners.touch(runner);
                throw new Scheduler.OutdatedRunnerException("runner version " + runner.row.version() + " differs from server version " + context.version
                        + "; this runner gets no jobs until it is updated");
            }
            runners.touch(runner);
            runner.left = false;
            Optional<JobAssignment> job = assignNext(runner, instance);
            if (job.isPresent() || waitMillis <= 0 || context.closing) return CompletableFuture.completedFuture(job);
            JobRequest request = new JobRequest(runner, instance);
            requests.add(request);
            request.timeout = context.threads.expireAfter(waitMillis, () -> {
                if (requests.remove(request)) context.threads.settle(request.reply, Optional.empty());
            });
            return request.reply;
        } finally {
            context.lock.unlock();
        }
    }

    /**
     * A job its runner no longer runs (lost with its lease, handed back as the runner left) goes back to the front
     * of its build's line, and to an instance waiting now if there is one. Under the lock.
     */
    void handBack(RunnerRegistry.RunnerState runner, long jobId) {
        Active.Job job = active.jobs.get(jobId);
        if (job != null && job.recording) return; // its result is arriving: it is not lost
        runner.running.remove(jobId);
        if (job == null) return;
        Active.Build build = active.builds.get(job.buildId);
        if (build != null && job.runnerId != null) build.running--;
        job.runnerId = null;
        job.assignedAt = null;
        context.threads.later(new Store.JobRequeued(jobId));
        context.events.jobRequeued();
        queue.addFirst(job.buildId, jobId, job.avoidRunner);
        context.changed();
        toWaiting();
    }

    /** Queues a build's job behind its others. */
    void enqueue(long buildId, long jobId, String avoidRunner) {
        queue.addLast(buildId, jobId, avoidRunner);
    }

    /** Queues a job ahead of its build's others: handed back, or a re-run that the build waits for. */
    void enqueueFirst(long buildId, long jobId, String avoidRunner) {
        queue.addFirst(buildId, jobId, avoidRunner);
    }

    void dropBuild(long buildId) {
        queue.dropBuild(buildId);
    }

    /** Hands queued jobs to the instances waiting for one, those that waited longest first. */
    void toWaiting() {
        for (Iterator<JobRequest> it = requests.iterator(); it.hasNext() && !queue.isEmpty(); ) {
            JobRequest request = it.next();
            Optional<JobAssignment> job = assignNext(request.runner, request.instance);
            if (job.isEmpty()) continue;
            it.remove();
            request.timeout.cancel(false);
            context.threads.settle(request.reply, job);
        }
    }

    /**
     * Hands the runner the next job it may take, if any; only a runner that keeps its heartbeat gets work (a request
     * parked here may outlive its runner).
     */
    private Optional<JobAssignment> assignNext(RunnerRegistry.RunnerState runner, int instance) {
        if (!runners.isLive(runner, context.clock.instant())) return Optional.empty();
        String runnerId = runner.row.id();
        Long jobId = queue.take(runnerId, buildId -> active.builds.get(buildId).running, () -> {
            Instant now = context.clock.instant();
            return runners.all().stream().anyMatch(r -> !r.row.id().equals(runnerId) && runners.usable(r, now));
        });
        if (jobId == null) return Optional.empty();
        Active.Job job = active.jobs.get(jobId);
        if (job == null) throw new IllegalStateException("queued job " + jobId + " is not active"); // a bug: say so
        job.runnerId = runnerId;
        job.instance = instance;
        job.assignedAt = context.clock.instant();
        runner.running.add(jobId);
        Instant startedAt = job.assignedAt;
        context.threads.later(new Store.JobStarted(jobId, runnerId, startedAt));
        Active.Build build = active.builds.get(job.buildId);
        build.running++;
        BuildRequest r = build.request;
        context.changed();
        return Optional.of(new JobAssignment(jobId, job.buildId, r.project(), r.adapter(), job.files,
                r.options(), r.beforeRun(), r.manifest() == null, r.jobTimeout(), build.remainingJobs <= build.running, r.environment(),
                r.patterns()));
    }

    /** Answers every parked request, empty (the server is stopping). */
    void releaseAll() {
        for (JobRequest request : requests) {
            request.timeout.cancel(false);
            context.threads.settle(request.reply, Optional.empty());
        }
        requests.clear();
    }

    /** How many instances' requests for a job are parked here now. */
    int parked() {
        return requests.size();
    }

    /** Jobs waiting for an instance. */
    int queued() {
        return queue.size();
    }
}
