package io.testbot.server;

import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.Estimate;
import io.testbot.protocol.EventsReply;
import io.testbot.protocol.JobAssignment;
import io.testbot.protocol.JobResult;
import io.testbot.protocol.Runners;
import io.testbot.store.Store;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The operations of the server's API, checked, for the routes and for in-process callers ({@link InProcessApi})
 * alike: what a request may ask is decided here once, whichever way it comes.
 */
final class ServerOperations {
    private final Supplier<Scheduler> scheduler;
    private final Supplier<Store> store;
    private final BuildChecks buildChecks;
    /** Housekeeping deletes blobs under it; a submission checks that its blobs are there under it. */
    private final ReentrantLock sweeping;
    private final ServerWarmUp warmUp;

    ServerOperations(Supplier<Scheduler> scheduler, Supplier<Store> store, BuildChecks buildChecks, ReentrantLock sweeping, ServerWarmUp warmUp) {
        this.scheduler = scheduler;
        this.store = store;
        this.buildChecks = buildChecks;
        this.sweeping = sweeping;
        this.warmUp = warmUp;
    }

    Scheduler scheduler() {
        return scheduler.get();
    }

    BuildInfo submit(BuildRequest request, String address) {
        sweeping.lock();
        try {
            return scheduler().submit(buildChecks.normalise(request, address));
        } finally {
            sweeping.unlock();
        }
    }

    EventsReply events(long buildId, long after, long waitMillis) throws InterruptedException {
        return scheduler().events(requireBuildId(buildId), after, waitMillis);
    }

    CompletableFuture<EventsReply> eventsAsync(long buildId, long after, long waitMillis) {
        return scheduler().eventsAsync(requireBuildId(buildId), after, waitMillis);
    }

    BuildInfo cancel(long buildId) {
        return scheduler().cancel(requireBuild(buildId).id());
    }

    Estimate.Reply estimate(Estimate.Request request) {
        if (request.project() == null || request.adapter() == null || request.files() == null) throw new ApiErrors.BadRequest("project, adapter and files are required");
        return scheduler().estimate(request);
    }

    Runners.Registered register(Runners.Registration registration, String address) {
        if (registration.hostname() == null || registration.version() == null) throw new ApiErrors.BadRequest("hostname and version are required");
        NumberChecks.registration(registration);
        return scheduler().register(registration, address);
    }

    CompletableFuture<Runners.HeartbeatReply> heartbeatAsync(String runnerId, Runners.Heartbeat heartbeat, long waitMillis) {
        return scheduler().heartbeatAsync(runnerId, heartbeat.running(), checkedNote(heartbeat), waitMillis);
    }

    Runners.HeartbeatReply heartbeat(String runnerId, Runners.Heartbeat heartbeat, long waitMillis) throws InterruptedException {
        return scheduler().heartbeat(runnerId, heartbeat.running(), checkedNote(heartbeat), waitMillis);
    }

    /** Refuses a heartbeat's malformed job list; returns its note, cut to 500 characters. */
    private static String checkedNote(Runners.Heartbeat heartbeat) {
        // A null in the list would have gone into the runner's cancellations and failed its every later heartbeat.
        if (heartbeat.running() != null && heartbeat.running().stream().anyMatch(java.util.Objects::isNull)) throw new ApiErrors.BadRequest("running: job ids must be numbers");
        return heartbeat.note() == null ? null : heartbeat.note().length() > 500 ? heartbeat.note().substring(0, 500) : heartbeat.note();
    }

    void leave(String runnerId) {
        scheduler().leave(runnerId);
    }

    /** The next job, or null when none came within the wait. */
    JobAssignment nextJob(String runnerId, int instance, long waitMillis) throws InterruptedException {
        JobAssignment job = scheduler().nextJob(runnerId, instance, waitMillis).orElse(null);
        if (job != null) warmUp.prepareForResults(job);
        return job;
    }

    /** The same, parked without a thread: empty when none came within the wait. */
    CompletableFuture<java.util.Optional<JobAssignment>> nextJobAsync(String runnerId, int instance, long waitMillis) {
        return scheduler().nextJobAsync(runnerId, instance, waitMillis).thenApply(job -> {
            job.ifPresent(warmUp::prepareForResults);
            return job;
        });
    }

    /** Records a result and, when the instance asks (nextInstance > 0), hands it the next job queued now, if any. */
    Runners.ResultReply reportResult(long jobId, JobResult result, int nextInstance) {
        Runners.ResultReply reply = reportResult(jobId, result);
        if (nextInstance <= 0) return reply;
        JobAssignment next;
        try {
            next = scheduler().nextJobAsync(result.runnerId(), nextInstance, 0).join().orElse(null);
        } catch (Scheduler.UnknownRunnerException | Scheduler.OutdatedRunnerException e) {
            return reply; // its next request for a job hears why
        }
        if (next != null) warmUp.prepareForResults(next);
        return new Runners.ResultReply(reply.buildOver(), next);
    }

    Runners.ResultReply reportResult(long jobId, JobResult result) {
        if (result.runnerId() == null || result.files() == null) throw new ApiErrors.BadRequest("runnerId and files are required");
        // Before the scheduler lets go of the job: a result it could not record must not lose it.
        if (result.files().stream().anyMatch(java.util.Objects::isNull)) throw new ApiErrors.BadRequest("a file result is null");
        NumberChecks.result(result);
        Scheduler.ResultStatus recorded = scheduler().record(jobId, result);
        if (recorded == Scheduler.ResultStatus.IGNORED) throw new ApiErrors.Conflict("job " + jobId + " is not running on runner " + result.runnerId() + "; result ignored");
        return new Runners.ResultReply(recorded == Scheduler.ResultStatus.BUILD_OVER);
    }

    /** The id of a build there is; 404 otherwise. */
    long requireBuildId(long id) {
        if (store.get().buildStatus(id) == null) throw new ApiErrors.NotFound("no build " + id);
        return id;
    }

    /** The build's test files, as its requester sent them (each runner asks once a build: a running build's from memory); 404 for a build there is not. */
    java.util.List<String> buildFiles(long id) {
        io.testbot.protocol.BuildRequest request = scheduler().buildRequest(id);
        if (request == null) throw new ApiErrors.NotFound("no build " + id);
        return request.files();
    }

    BuildInfo requireBuild(long id) {
        BuildInfo build = store.get().build(id);
        if (build == null) throw new ApiErrors.NotFound("no build " + id);
        return build;
    }
}
