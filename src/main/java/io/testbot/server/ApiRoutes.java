package io.testbot.server;

import com.fasterxml.jackson.core.JacksonException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.testbot.protocol.Api;
import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.ErrorReply;
import io.testbot.protocol.Estimate;
import io.testbot.protocol.JobResult;
import io.testbot.protocol.Json;
import io.testbot.protocol.Runners;
import io.testbot.store.Store;
import io.testbot.sync.BlobStore;
import io.testbot.sync.ManifestPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The server's route table, which is the API's documentation: each handler reads its request, hands it to
 * {@link ServerOperations} (or the blob, status and metrics routes' own classes) and writes the reply; the long-polls
 * answer when their futures complete, holding no thread meanwhile. Errors map to statuses in one place, below.
 */
final class ApiRoutes {
    private static final Logger log = LoggerFactory.getLogger(ApiRoutes.class);
    /** Longest a long-poll may park; clients ask for less. */
    static final long MAX_WAIT_MILLIS = 30_000;

    private final ServerOperations operations;
    private final Supplier<Store> store;
    private final RecentManifests recentManifests;
    private final long maxRequestBytes;

    ApiRoutes(ServerOperations operations, Supplier<Store> store, RecentManifests recentManifests, long maxRequestBytes) {
        this.operations = operations;
        this.store = store;
        this.recentManifests = recentManifests;
        this.maxRequestBytes = maxRequestBytes;
    }

    /**
     * @param standingBy whether another server that shares the store dispatches its jobs: then the requests go on to
     *                   that one (see {@link StandbyForwarding}), but for the blobs', served here
     * @param extra      the routes of the other rooms (blobs, the status page, metrics), added after authentication
     */
    void install(Javalin app, BooleanSupplier standingBy, StandbyForwarding forwarding, Authentication authentication,
                 java.util.function.Consumer<Javalin> extra) {
        app.before(ctx -> {
            if (!standingBy.getAsBoolean() || StandbyForwarding.servedHere(ctx)) return;
            forwarding.forward(ctx);
            ctx.skipRemainingHandlers();
        });
        app.before(authentication::authenticate);

        app.get(Api.HEALTH, ctx -> ctx.result("ok"));
        app.get(Api.VERSION, ctx -> ctx.result(operations.scheduler().version()));
        extra.accept(app);

        app.post(Api.BUILDS, this::submitBuild);
        app.get(Api.BUILDS, ctx -> ctx.json(store.get().recentBuilds(intParam(ctx, "limit", 50, 1, 1000))));
        app.get(Api.BUILD, ctx -> ctx.json(operations.requireBuild(longPath(ctx, "id"))));
        // The long-polls below wait without a thread: their replies complete when there is something to say.
        app.get(Api.BUILD_EVENTS, ctx -> {
            var reply = operations.eventsAsync(longPath(ctx, "id"), longParam(ctx, "after", 0), waitParam(ctx));
            ctx.future(() -> reply.thenAccept(ctx::json));
        });
        app.get(Api.BUILD_MANIFEST, ctx -> {
            long id = longPath(ctx, "id");
            BuildManifest manifest = operations.scheduler().manifest(id);
            if (manifest == null) throw new ApiErrors.NotFound("no build " + id);
            recentManifests.remember(manifest);
            ctx.contentType(io.javalin.http.ContentType.APPLICATION_JSON).result(manifest.json(ctx.queryParam("base"), recentManifests));
        });
        app.get(Api.BUILD_FILES, ctx -> ctx.json(operations.buildFiles(longPath(ctx, "id"))));
        app.post(Api.BUILD_CANCEL, ctx -> {
            long id = longPath(ctx, "id");
            Access.Principal who = ctx.attribute(Authentication.PRINCIPAL);
            BuildInfo build = operations.requireBuild(id);
            if (who != null && who.role() == Access.Role.USER && !who.name().equals(build.requestedBy())) {
                throw new ApiErrors.Forbidden("build " + id + " was sent by " + build.requestedBy() + "; a user's token cancels only its own builds");
            }
            ctx.json(operations.cancel(id));
        });

        app.post(Api.ESTIMATE, ctx -> ctx.json(operations.estimate(body(ctx, Estimate.Request.class))));
        app.post(Api.RUNNERS, ctx -> ctx.status(HttpStatus.CREATED).json(operations.register(body(ctx, Runners.Registration.class), ctx.ip())));
        app.get(Api.RUNNERS, ctx -> ctx.json(operations.scheduler().runners()));
        app.post(Api.RUNNER_HEARTBEAT, ctx -> {
            var reply = operations.heartbeatAsync(ctx.pathParam("id"), body(ctx, Runners.Heartbeat.class), waitParam(ctx));
            ctx.future(() -> reply.thenAccept(ctx::json));
        });
        app.post(Api.RUNNER_LEAVE, ctx -> {
            operations.leave(ctx.pathParam("id"));
            ctx.status(HttpStatus.NO_CONTENT);
        });
        app.post(Api.RUNNER_NEXT_JOB, ctx -> {
            var reply = operations.nextJobAsync(ctx.pathParam("id"), intParam(ctx, "instance", 0, 0, NumberChecks.MAX_INSTANCES), waitParam(ctx));
            ctx.future(() -> reply.thenAccept(job -> {
                if (job.isEmpty()) ctx.status(HttpStatus.NO_CONTENT);
                else ctx.json(job.get());
            }));
        });
        app.post(Api.JOB_RESULT, ctx -> ctx.json(operations.reportResult(longPath(ctx, "id"), body(ctx, JobResult.class),
                intParam(ctx, "next", 0, 0, NumberChecks.MAX_INSTANCES))));
        app.get(Api.RUNNERS_AVAILABLE, ctx -> ctx.result(String.valueOf(operations.scheduler().availableInstances())));
        app.get(Api.RUNNERS_TOTAL, ctx -> ctx.result(String.valueOf(operations.scheduler().totalInstances())));
        app.get(Api.RUNNERS_OUTDATED, ctx -> ctx.result(operations.scheduler().runners().stream().filter(r -> !r.upToDate() && r.live())
                .map(r -> r.address() + " " + r.hostname() + " " + r.id() + (r.note() == null ? "" : " -- " + r.note().replace('\n', ' ')) + "\n")
                .collect(Collectors.joining())));

        app.exception(ApiErrors.BadRequest.class, (e, ctx) -> ctx.status(HttpStatus.BAD_REQUEST).json(new ErrorReply(e.getMessage())));
        app.exception(ManifestPaths.UnsafePathException.class, (e, ctx) -> ctx.status(HttpStatus.BAD_REQUEST).json(new ErrorReply(e.getMessage())));
        app.exception(BlobStore.BlobRejectedException.class, (e, ctx) -> ctx.status(HttpStatus.BAD_REQUEST).json(new ErrorReply(e.getMessage())));
        app.exception(CappedInput.TooLarge.class, (e, ctx) -> ctx.status(HttpStatus.CONTENT_TOO_LARGE).json(new ErrorReply(e.getMessage())));
        app.exception(ApiErrors.Forbidden.class, (e, ctx) -> ctx.status(HttpStatus.FORBIDDEN).json(new ErrorReply(e.getMessage())));
        app.exception(ApiErrors.NotFound.class, (e, ctx) -> ctx.status(HttpStatus.NOT_FOUND).json(new ErrorReply(e.getMessage())));
        app.exception(ApiErrors.Conflict.class, (e, ctx) -> ctx.status(HttpStatus.CONFLICT).json(new ErrorReply(e.getMessage())));
        app.exception(Scheduler.UnknownRunnerException.class, (e, ctx) -> ctx.status(HttpStatus.NOT_FOUND).json(new ErrorReply(e.getMessage())));
        app.exception(Scheduler.OutdatedRunnerException.class, (e, ctx) -> ctx.status(HttpStatus.CONFLICT).json(new ErrorReply(e.getMessage())));
        app.exception(InterruptedException.class, (e, ctx) -> ctx.status(HttpStatus.SERVICE_UNAVAILABLE).json(new ErrorReply("server is stopping")));
        app.exception(Exception.class, (e, ctx) -> {
            log.error("{} {} failed", ctx.method(), ctx.path(), e);
            ctx.status(HttpStatus.INTERNAL_SERVER_ERROR).json(new ErrorReply("internal error: " + e));
        });
    }

    private void submitBuild(Context ctx) {
        BuildRequest request = body(ctx, BuildRequest.class);
        Access.Principal who = ctx.attribute(Authentication.PRINCIPAL);
        // A named token says who sent the build, whatever the request says.
        if (who != null && who.named()) request = request.withRequestedBy(who.name());
        ctx.status(HttpStatus.CREATED).json(operations.submit(request, ctx.ip()));
    }

    private <T> T body(Context ctx, Class<T> type) {
        return body(ctx, type, maxRequestBytes);
    }

    /** A JSON request body, read as it arrives and cut off past maxBytes (413); a 400 for anything malformed. */
    static <T> T body(Context ctx, Class<T> type, long maxBytes) {
        try (InputStream in = new CappedInput(ctx.bodyInputStream(), maxBytes, "a request")) {
            T value = Json.MAPPER.readValue(in, type);
            if (value == null) throw new ApiErrors.BadRequest("empty request body");
            return value;
        } catch (JacksonException e) {
            throw new ApiErrors.BadRequest("malformed " + type.getSimpleName() + " JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ApiErrors.BadRequest("unreadable request body: " + e.getMessage());
        }
    }

    private static long waitParam(Context ctx) {
        return Math.min(MAX_WAIT_MILLIS, longParam(ctx, "wait", 0));
    }

    private static long longPath(Context ctx, String name) {
        try {
            return Long.parseLong(ctx.pathParam(name));
        } catch (NumberFormatException e) {
            throw new ApiErrors.NotFound("no such " + name + ": " + ctx.pathParam(name));
        }
    }

    private static long longParam(Context ctx, String name, long fallback) {
        String value = ctx.queryParam(name);
        if (value == null) return fallback;
        try {
            return Math.max(0, Long.parseLong(value));
        } catch (NumberFormatException e) {
            throw new ApiErrors.BadRequest(name + " must be a number");
        }
    }

    private static int intParam(Context ctx, String name, int fallback, int min, int max) {
        return (int) Math.max(min, Math.min(max, longParam(ctx, name, fallback)));
    }
}
