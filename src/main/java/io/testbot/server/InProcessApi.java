package io.testbot.server;

import io.testbot.protocol.ApiClient;
import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.Estimate;
import io.testbot.protocol.EventsReply;
import io.testbot.protocol.JobAssignment;
import io.testbot.protocol.JobResult;
import io.testbot.protocol.Runners;
import io.testbot.protocol.ServerApi;
import io.testbot.sync.ManifestPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static io.testbot.server.ApiRoutes.MAX_WAIT_MILLIS;

/**
 * A server's API for callers in the same process (local mode's requester and runner): the routes' operations
 * without HTTP, answering errors with the statuses the routes would.
 */
final class InProcessApi implements ServerApi {
    private static final Logger log = LoggerFactory.getLogger(InProcessApi.class);

    private final ServerOperations server;
    /** Whether the server could not open its store: an in-process caller then gets that error as it is. */
    private final java.util.function.BooleanSupplier failedToOpen;

    InProcessApi(ServerOperations server, java.util.function.BooleanSupplier failedToOpen) {
        this.server = server;
        this.failedToOpen = failedToOpen;
    }

    /** Where an in-process runner or requester is, in the server's records. */
    private static final String ADDRESS = "in-process";

    @Override
    public String describe() {
        return "the embedded server";
    }

    @Override
    public Runners.Registered register(Runners.Registration registration) throws ApiClient.ApiException, InterruptedException {
        return call(() -> server.register(registration, ADDRESS));
    }

    @Override
    public Runners.HeartbeatReply heartbeat(String runnerId, Runners.Heartbeat heartbeat, long waitMillis) throws ApiClient.ApiException, InterruptedException {
        return call(() -> server.heartbeat(runnerId, heartbeat, Math.min(MAX_WAIT_MILLIS, waitMillis)));
    }

    @Override
    public JobAssignment nextJob(String runnerId, int instance, long waitMillis) throws ApiClient.ApiException, InterruptedException {
        return call(() -> server.nextJob(runnerId, instance, Math.min(MAX_WAIT_MILLIS, waitMillis)));
    }

    @Override
    public Runners.ResultReply reportResult(long jobId, JobResult result) throws ApiClient.ApiException, InterruptedException {
        return call(() -> server.reportResult(jobId, result));
    }

    @Override
    public Runners.ResultReply reportResult(long jobId, JobResult result, int nextInstance) throws ApiClient.ApiException, InterruptedException {
        return call(() -> server.reportResult(jobId, result, nextInstance));
    }

    @Override
    public void leave(String runnerId) throws ApiClient.ApiException, InterruptedException {
        call(() -> {
            server.leave(runnerId);
            return null;
        });
    }

    @Override
    public BuildInfo submit(BuildRequest request) throws ApiClient.ApiException, InterruptedException {
        return call(() -> server.submit(request, ADDRESS));
    }

    @Override
    public EventsReply events(long buildId, long after, long waitMillis) throws ApiClient.ApiException, InterruptedException {
        return call(() -> server.events(buildId, after, Math.min(MAX_WAIT_MILLIS, waitMillis)));
    }

    @Override
    public BuildInfo cancel(long buildId) throws ApiClient.ApiException, InterruptedException {
        return call(() -> server.cancel(buildId));
    }

    @Override
    public java.util.List<String> buildFiles(long buildId) throws ApiClient.ApiException, InterruptedException {
        return call(() -> server.buildFiles(buildId));
    }

    @Override
    public Estimate.Reply estimate(Estimate.Request request) throws ApiClient.ApiException, InterruptedException {
        return call(() -> server.estimate(request));
    }

    private interface Operation<T> {
        T run() throws InterruptedException;
    }

    /** Runs an operation for an in-process caller, its errors as the statuses the routes answer them with. */
    private <T> T call(Operation<T> operation) throws ApiClient.ApiException, InterruptedException {
        try {
            return operation.run();
        } catch (ApiErrors.BadRequest | ManifestPaths.UnsafePathException e) {
            throw new ApiClient.ApiException(400, e.getMessage());
        } catch (ApiErrors.NotFound | Scheduler.UnknownRunnerException e) {
            throw new ApiClient.ApiException(404, e.getMessage());
        } catch (CappedInput.TooLarge e) {
            throw new ApiClient.ApiException(413, e.getMessage());
        } catch (ApiErrors.Conflict | Scheduler.OutdatedRunnerException e) {
            throw new ApiClient.ApiException(409, e.getMessage());
        } catch (RuntimeException e) {
            if (failedToOpen.getAsBoolean()) throw e; // the server never opened its database: that error, as it is
            // As the routes answer: a 5xx, which a runner retries (a result in particular) rather than lose.
            log.error("in-process call failed", e);
            throw new ApiClient.ApiException(500, "internal error: " + e);
        }
    }
}
