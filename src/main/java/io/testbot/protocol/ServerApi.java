package io.testbot.protocol;

import java.io.IOException;

/**
 * What runners and requesters ask of the server during a build, one method per route of {@link Api} they use (the
 * project's upload and sync are {@link ApiClient}'s alone: local mode runs in place). Over HTTP it is
 * {@link ApiClient}; local mode's requester and runner call their embedded server in the same process, without a
 * socket or JSON in between. Errors are the same either way: {@link ApiClient.ApiException} with the HTTP status
 * the route answers (404 an unknown runner, 409 an outdated runner or a result not accepted, 400 a bad request).
 */
public interface ServerApi {
    /** Where the server is, for messages. */
    String describe();

    Runners.Registered register(Runners.Registration registration) throws IOException, InterruptedException;

    /** May wait up to waitMillis at the server for a job of this runner to be cancelled. */
    Runners.HeartbeatReply heartbeat(String runnerId, Runners.Heartbeat heartbeat, long waitMillis) throws IOException, InterruptedException;

    /** The next job for one of this runner's instances, or null when none came within waitMillis. */
    default JobAssignment nextJob(String runnerId, long waitMillis) throws IOException, InterruptedException {
        return nextJob(runnerId, 0, waitMillis);
    }

    /** The next job for this instance of the runner (1..n; 0: unsaid), which the status page shows it on. */
    JobAssignment nextJob(String runnerId, int instance, long waitMillis) throws IOException, InterruptedException;

    Runners.ResultReply reportResult(long jobId, JobResult result) throws IOException, InterruptedException;

    /** The same, asking for the next job of this instance (1..n) if one is queued now: it comes in the reply. */
    Runners.ResultReply reportResult(long jobId, JobResult result, int nextInstance) throws IOException, InterruptedException;

    /** The runner stops: the jobs it holds go back to the queue at once. */
    void leave(String runnerId) throws IOException, InterruptedException;

    BuildInfo submit(BuildRequest request) throws IOException, InterruptedException;

    /** The build's events after the given sequence number, waiting up to waitMillis for one. */
    EventsReply events(long buildId, long after, long waitMillis) throws IOException, InterruptedException;

    BuildInfo cancel(long buildId) throws IOException, InterruptedException;

    /** The build's test files, as its requester found them. */
    java.util.List<String> buildFiles(long buildId) throws IOException, InterruptedException;

    Estimate.Reply estimate(Estimate.Request request) throws IOException, InterruptedException;
}
