package io.testbot.server;

import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.Estimate;
import io.testbot.protocol.EventsReply;
import io.testbot.protocol.JobAssignment;
import io.testbot.protocol.JobResult;
import io.testbot.protocol.RunnerInfo;
import io.testbot.protocol.Runners;
import io.testbot.store.Store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The server's live state: the job queue, the runners and their leases, the running builds. Everything that matters
 * is written to the {@link Store} as it changes, and rebuilt from it on start. It is the front of four rooms that
 * share one lock ({@link SchedulerContext}) and hold no store I/O under it:
 * <ul>
 *   <li>{@link Leases}: registration, heartbeats, runners leaving, leases that run out (over {@link RunnerRegistry});</li>
 *   <li>{@link Dispatch}: the job queue and which job goes to which waiting instance;</li>
 *   <li>{@link BuildLedger}: builds planned and queued, results recorded once, re-runs, completeness, verdicts;</li>
 *   <li>{@link BuildFeed}: the events requesters and the status page follow.</li>
 * </ul>
 * A request that waits (an instance asking for work, a heartbeat waiting for jobs to stop, a requester following its
 * build) is parked as a future and holds no thread: what it waits for completes it, or its wait runs out on a timer.
 * Replies are completed on a small pool of their own, never under the lock.
 */
public final class Scheduler {
    /**
     * A runner not heard from for this long has lost its jobs to the queue. A runner keeps a heartbeat parked here,
     * which keeps it live, and sends the next as the last comes back, within two seconds (Runner.HEARTBEAT_WAIT_MILLIS):
     * this leaves the next three seconds to arrive on a loaded machine.
     */
    public static final Duration RUNNER_LEASE = Duration.ofSeconds(5);

    private final SchedulerContext context;
    private final RunnerRegistry runners;
    private final Dispatch dispatch;
    private final Leases leases;
    private final BuildFeed feed;
    private final BuildLedger ledger;

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

    /** What became of a job's result. */
    public enum ResultStatus {
        /** Not this runner's job (any more: cancelled, requeued, unknown): the result is ignored. */
        IGNORED,
        RECORDED,
        /** Recorded, and its build is over (finished or stopped): no more of its jobs will be handed out. */
        BUILD_OVER
    }

    /** A running build as the status page shows it: failures so far, and its jobs on runners now. */
    public record LiveBuild(long id, int failures, List<LiveJob> running) {}

    public record LiveJob(long jobId, String runner, int instance, List<String> files, Instant startedAt) {}

    public Scheduler(Store store, String version, Clock clock, boolean recover) {
        this(store, version, clock, recover, SchedulerEvents.NONE);
    }

    public Scheduler(Store store, String version, Clock clock, boolean recover, SchedulerEvents events) {
        context = new SchedulerContext(store, clock, version, events);
        Active active = new Active();
        runners = new RunnerRegistry(clock, version, context.threads);
        dispatch = new Dispatch(context, active, runners);
        leases = new Leases(context, active, runners, dispatch);
        feed = new BuildFeed(context, active, runners);
        ledger = new BuildLedger(context, active, runners, dispatch, feed);
        // Local mode (no recovery) leaves the store's other builds alone: they may be another local run's, live, in
        // the same store; one left running by a run that was killed stays so, which nothing of local mode reads.
        if (recover) ledger.recover();
    }

    public String version() {
        return context.version;
    }

    /** A number that moves whenever the queue, a build or a runner changes. */
    public long changes() {
        return context.changes();
    }

    // ---- runners ------------------------------------------------------------------------------------------

    public Runners.Registered register(Runners.Registration registration, String address) {
        return leases.register(registration, address);
    }

    /**
     * Renews the runner's lease, reconciles the jobs it says it runs with those the server gave it, and waits up
     * to waitMillis for jobs of it to stop. running is null from a runner that does not report its jobs.
     */
    public Runners.HeartbeatReply heartbeat(String runnerId, List<Long> running, long waitMillis) throws InterruptedException {
        return await(heartbeatAsync(runnerId, running, null, waitMillis));
    }

    public Runners.HeartbeatReply heartbeat(String runnerId, List<Long> running, String note, long waitMillis) throws InterruptedException {
        return await(heartbeatAsync(runnerId, running, note, waitMillis));
    }

    /** The same, parked without a thread: the reply completes when a job of it must stop or the wait runs out. */
    public CompletableFuture<Runners.HeartbeatReply> heartbeatAsync(String runnerId, List<Long> running, String note, long waitMillis) {
        return leases.heartbeatAsync(runnerId, running, note, waitMillis);
    }

    /** A runner shutting down gracefully: its jobs go back to the queue now rather than when its lease runs out. */
    public void leave(String runnerId) {
        leases.leave(runnerId);
    }

    /** Gives the jobs of runners whose lease ran out back to the queue. Called every second. */
    public void expireLeases() {
        leases.expire();
    }

    public List<RunnerInfo> runners() {
        return context.locked(runners::infos);
    }

    /** Idle instances of live, up-to-date runners. */
    public int availableInstances() {
        return context.locked(runners::availableInstances);
    }

    public int totalInstances() {
        return context.locked(runners::liveInstances);
    }

    // ---- jobs ---------------------------------------------------------------------------------------------

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
        return dispatch.nextJobAsync(runnerId, instance, waitMillis);
    }

    /** How many instances' requests for a job are parked here now. */
    int parkedJobRequests() {
        return context.locked(dispatch::parked);
    }

    /** Jobs waiting for an instance. */
    public int queuedJobs() {
        return context.locked(dispatch::queued);
    }

    /**
     * Records a job's result unless the job is no longer this runner's (cancelled, requeued, unknown), and says
     * whether that ended its build. Should the recording fail, the job stays the runner's, for it to report again.
     */
    public ResultStatus record(long jobId, JobResult result) {
        return ledger.record(jobId, result);
    }

    /** Results waiting to be written with the next batch of their build's (for tests). */
    int resultsWaiting() {
        return ledger.resultsWaiting();
    }

    // ---- builds -------------------------------------------------------------------------------------------

    /** Plans a build's jobs and queues them. */
    public BuildInfo submit(BuildRequest request) {
        return ledger.submit(request);
    }

    public BuildInfo cancel(long buildId) {
        return ledger.cancel(buildId);
    }

    /** Whether a job of this build still waits in the queue (not handed out yet, or handed back). */
    public boolean hasQueuedJobs(long buildId) {
        return ledger.hasQueuedJobs(buildId);
    }

    /** The running builds, with what each runs where now. */
    public List<LiveBuild> liveBuilds() {
        return ledger.liveBuilds();
    }

    /** Builds not finished. */
    public int runningBuilds() {
        return ledger.runningBuilds();
    }

    /** The request a build was submitted with (a running build's from memory); null when there is no such build. */
    public BuildRequest buildRequest(long buildId) {
        return ledger.request(buildId);
    }

    /** The manifest a build was submitted with (empty for an in-place build); null when there is no such build. */
    public BuildManifest manifest(long buildId) {
        return ledger.manifest(buildId);
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
        return feed.eventsAsync(buildId, after, waitMillis);
    }

    /** What history says about these files, and how many instances could run them now. */
    public Estimate.Reply estimate(Estimate.Request request) {
        return estimate(context.store, request, context.locked(() -> runners.liveInstancesFor(request.adapter())), context.locked(runners::mostlyProcessPerJob));
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

    // ---- life -------------------------------------------------------------------------------------------------

    /** Answers every parked request at once, so the HTTP server can stop without waiting for them. */
    public void close() {
        context.lock.lock();
        try {
            context.closing = true;
            dispatch.releaseAll();
            runners.releaseHeartbeats();
            feed.releaseAll();
            context.changed();
        } finally {
            context.lock.unlock();
        }
        context.threads.close(); // the replies just settled still go out; what is left to write is written
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
}
