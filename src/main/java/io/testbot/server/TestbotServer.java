package io.testbot.server;

import com.fasterxml.jackson.core.JacksonException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.json.JavalinJackson;
import io.testbot.protocol.Api;
import io.testbot.protocol.BlobQuery;
import io.testbot.protocol.BuildEvent;
import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.BuildStatus;
import io.testbot.protocol.ErrorReply;
import io.testbot.protocol.Estimate;
import io.testbot.protocol.EventsReply;
import io.testbot.protocol.FileEntry;
import io.testbot.protocol.JobAssignment;
import io.testbot.protocol.JobResult;
import io.testbot.protocol.Json;
import io.testbot.protocol.RunnerInfo;
import io.testbot.protocol.Runners;
import io.testbot.protocol.ServerApi;
import io.testbot.protocol.Version;
import io.testbot.store.Stores;
import io.testbot.store.Store;
import io.testbot.sync.BlobStore;
import io.testbot.sync.ManifestPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The testbot server: the HTTP API over the {@link Scheduler}, the blob store and the {@link Store}. Local mode
 * embeds one without HTTP: its requester and runner call it through {@link #inProcess()}, the same operations the
 * routes run.
 */
public final class TestbotServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TestbotServer.class);
    /** Longest a long-poll may park; clients ask for less. */
    static final long MAX_WAIT_MILLIS = 30_000;
    static final int MAX_MANIFEST_ENTRIES = 500_000;
    /** Entries kept of recent manifests (a few hundred bytes each in memory): a few projects of 10,000-50,000 files. */
    static final int RECENT_MANIFEST_ENTRIES = 150_000;

    private final ServerConfig config;
    /** The database and the scheduler over it: they open while Jetty starts (see {@link #start}). */
    private final java.util.concurrent.CompletableFuture<Core> core;
    private final BlobStore blobs;
    /** Null when embedded without HTTP. */
    private final Javalin app;
    private final ScheduledExecutorService leaseTimer;
    /** The HTTP server's meters (GET /metrics); null in local mode, which has no one to scrape them. */
    private final Metrics metrics;
    private final StatusFeed statusFeed;
    private final StatusPage statusPage;
    private final Authentication authentication;
    private final BuildChecks buildChecks;
    /** The snapshots runners' copies were last brought to: the next manifests go to them as changes. */
    private final RecentManifests recentManifests = new RecentManifests(RECENT_MANIFEST_ENTRIES);
    private final ScheduledExecutorService housekeepingTimer;
    /** Housekeeping deletes blobs under it; a submission checks that its blobs are there under it. */
    private final java.util.concurrent.locks.ReentrantLock sweeping = new java.util.concurrent.locks.ReentrantLock();
    private final java.util.concurrent.atomic.AtomicBoolean warmedUp = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicBoolean rehearsed = new java.util.concurrent.atomic.AtomicBoolean();

    private record Core(Store store, Scheduler scheduler) {}

    /**
     * The store as it opens, and whether this server stands by: another server that shares the store (PostgreSQL)
     * dispatches its jobs, and this one answers 503 until that one stops and this one takes over.
     */
    private static final class Opening {
        final java.util.concurrent.CompletableFuture<Store> store = new java.util.concurrent.CompletableFuture<>();
        volatile boolean standingBy;
        volatile boolean closing;
    }

    private final Opening opening;
    private final java.time.Instant createdAt;

    private TestbotServer(ServerConfig config, Opening opening, java.util.concurrent.CompletableFuture<Core> core, Metrics metrics) throws IOException {
        this.opening = opening;
        this.createdAt = java.time.Instant.now();
        boolean http = metrics != null;
        this.config = config;
        this.core = core;
        this.metrics = metrics;
        // Every project's files: as private as the data dir, wherever --blob-dir puts them.
        this.blobs = BlobStore.owned(io.testbot.sync.PrivateFiles.directory(config.blobs()));
        this.app = http ? Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.useVirtualThreads = false;
            cfg.jetty.threadPool = httpThreads();
            cfg.http.maxRequestSize = config.limits().maxRequestBytes();
            cfg.jsonMapper(new JavalinJackson(Json.MAPPER, false));
            if (config.tls() != null) {
                cfg.registerPlugin(new io.javalin.community.ssl.SslPlugin(ssl -> {
                    ssl.pemFromPath(config.tls().certificate().toString(), config.tls().key().toString());
                    ssl.insecure = false; // HTTPS only: a token must not travel in clear by mistake
                    ssl.securePort = config.port();
                    ssl.host = config.bind();
                    ssl.sniHostCheck = false; // runners may connect by address, not by the certificate's name
                    ssl.http2 = false;
                }));
            }
        }) : null;
        this.statusFeed = http ? new StatusFeed(this::scheduler, this::store) : null;
        this.authentication = new Authentication(config.token(), this::store);
        this.buildChecks = new BuildChecks(blobs, config.limits().maxBuildBytes());
        this.statusPage = http ? new StatusPage(token -> config.token() == null ? Access.ANYONE : authentication.principal(token), statusFeed, config.tls() != null,
                config.token() == null) : null;
        if (http) routes();
        this.housekeepingTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "housekeeping");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            return t;
        });
        this.leaseTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lease-timer");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Opens the database and starts serving. Opening SQLite (its native library, the schema check) takes about a
     * tenth of a second, starting Jetty longer: they happen side by side; a request that comes in between waits for
     * the database.
     */
    public static TestbotServer start(ServerConfig config) throws IOException {
        io.testbot.sync.PrivateFiles.directory(config.dataDir());
        Metrics metrics = new Metrics();
        Opening opening = new Opening();
        java.util.concurrent.CompletableFuture<Core> core = open(config, metrics, opening);
        TestbotServer server = null;
        try {
            server = new TestbotServer(config, opening, core, metrics);
            if (config.tls() != null) server.app.start(); // the TLS plugin's connector has the address and port
            else server.app.start(config.bind(), config.port());
            opening.store.join(); // a store that cannot be opened stops the start; a standby starts all the same
        } catch (IOException | RuntimeException e) {
            if (server != null) server.app.stop();
            opening.closing = true;
            opening.store.thenAccept(Store::close);
            if (e instanceof java.util.concurrent.CompletionException && e.getCause() instanceof RuntimeException cause) throw cause;
            throw e;
        }
        server.core.thenRun(server::expireLeases);
        return server;
    }

    /**
     * A server without HTTP, for local mode: it returns at once, the database opening in the background; the first
     * call that needs it waits for it, and fails as {@link #start} would if it cannot be opened.
     */
    public static TestbotServer embedded(ServerConfig config) throws IOException {
        io.testbot.sync.PrivateFiles.directory(config.dataDir());
        Opening opening = new Opening();
        TestbotServer server = new TestbotServer(config, opening, open(config, SchedulerEvents.NONE, opening), null);
        server.core.thenRun(server::expireLeases);
        return server;
    }

    /**
     * Opens the store and, once this server may dispatch its jobs (at once, unless another server that shares the
     * store does: then it stands by, asking again each second), the scheduler, recovered from the store.
     */
    private static java.util.concurrent.CompletableFuture<Core> open(ServerConfig config, SchedulerEvents events, Opening opening) {
        java.util.concurrent.CompletableFuture<Core> core = new java.util.concurrent.CompletableFuture<>();
        Thread thread = new Thread(() -> {
            Store store;
            try {
                store = Stores.open(config.storeUrl());
            } catch (RuntimeException e) {
                opening.store.completeExceptionally(e);
                core.completeExceptionally(e);
                return;
            }
            opening.store.complete(store);
            try {
                if (!store.claimDispatch()) {
                    opening.standingBy = true;
                    log.info("another server dispatches the jobs of {}: this one stands by to take over (503 until then)", Stores.redacted(config.storeUrl()));
                    while (!opening.closing && !store.claimDispatch()) Thread.sleep(1_000);
                    if (opening.closing) {
                        core.cancel(false);
                        return;
                    }
                    log.info("the other server stopped: this one dispatches now");
                }
                core.complete(new Core(store, new Scheduler(store, Version.CURRENT, Clock.systemUTC(), config.recover(), events)));
                opening.standingBy = false;
            } catch (Exception e) {
                core.completeExceptionally(e);
            }
        }, "store-open");
        thread.setDaemon(true);
        thread.start();
        return core;
    }

    private volatile Runnable onLostDispatch = () -> {};

    /**
     * What to do when this server no longer holds its store's dispatch claim (its database session ended while it
     * lives: another server may have taken over). It stops answering at once (503); testbot server then exits, so
     * that two servers never hand out one store's jobs, and its service manager starts it again, as a standby.
     */
    public void onLostDispatch(Runnable action) {
        onLostDispatch = action;
    }

    private void checkDispatch() {
        if (opening.standingBy || store().holdsDispatch()) return;
        opening.standingBy = true;
        log.error("this server no longer holds the dispatch claim on {} (its database session ended): it stops, so that only one server hands out jobs",
                Stores.redacted(config.storeUrl()));
        onLostDispatch.run();
    }

    private void expireLeases() {
        // A killed upload's partial files (this server's last run's, or a server's it takes over from).
        try {
            blobs.removePartialUploads(createdAt);
        } catch (IOException e) {
            log.warn("could not remove unfinished uploads: {}", e.toString());
        }
        leaseTimer.scheduleAtFixedRate(scheduler()::expireLeases, 1, 1, TimeUnit.SECONDS);
        leaseTimer.scheduleAtFixedRate(this::checkDispatch, 1, 1, TimeUnit.SECONDS);
        ServerConfig.Retention retention = config.retention();
        if (retention.buildDays() > 0 || retention.blobsOfBuilds() > 0) {
            Housekeeping housekeeping = new Housekeeping(store(), blobs, retention, Clock.systemUTC(), sweeping,
                    metrics == null ? swept -> {} : metrics::housekept);
            housekeepingTimer.scheduleAtFixedRate(housekeeping::sweepQuietly, 0, 1, TimeUnit.HOURS);
        }
    }

    /**
     * Builds, once and in the background, the JSON readers and writers of the requests a build makes and of the
     * events the store keeps: Jackson builds each on its first use, and a server's first build would wait for them.
     * testbot server calls it once started; local mode's server, whose start has no core to spare, does it when its
     * first job is out (see {@link #prepareForResults}), and only for what the store writes and reads: no request
     * reaches it through JSON.
     */
    public void warmUp() {
        if (warmedUp.compareAndSet(false, true)) background("warm-up", app == null ? TestbotServer::prepareStoreJson : TestbotServer::prepareJson);
    }

    private static void prepareJson() {
        Json.prepare(BuildRequest.class, BuildInfo.class, BlobQuery.class, FileEntry.class, JobAssignment.class,
                JobResult.class, EventsReply.class, Estimate.Request.class, Estimate.Reply.class,
                Runners.Registration.class, Runners.Registered.class, Runners.Heartbeat.class, Runners.HeartbeatReply.class,
                Runners.ResultReply.class, RunnerInfo.class);
        try {
            Json.MAPPER.writeValueAsBytes(new EventsReply(List.of(prepareStoreJson()), 1, BuildStatus.RUNNING));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A result's event, written and read back as the store does; returns it. */
    private static BuildEvent prepareStoreJson() {
        try {
            BuildEvent event = new BuildEvent(1, BuildEvent.JOB_FINISHED, 1L, "warm-up", Json.SAMPLE_RESULT, null, 0, List.of("warm_up_spec.rb"));
            return Json.MAPPER.readValue(Json.MAPPER.writeValueAsBytes(event), BuildEvent.class);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * What a result's round trip needs the first time, while jobs run: the JSON mapping once the first job is out
     * (if testbot server has not built it at its start), and, once a build's last queued job is out, a rehearsal of
     * recording a result and ending the build ({@link Store.Rehearsal}: those statements, run and rolled back).
     * Run cold, they took 25-60 ms between local mode's last spec and its summary (measured). Not sooner: the
     * rehearsal holds the store, and jobs still to hand out would wait for it.
     */
    private void prepareForResults(JobAssignment job) {
        warmUp();
        if (rehearsed.get() || scheduler().hasQueuedJobs(job.buildId()) || !rehearsed.compareAndSet(false, true)) return;
        if (!(store() instanceof Store.Rehearsal rehearsal)) return;
        background("rehearsal", () -> rehearsal.rehearseResult(job.buildId(), job.jobId(), job.project(), job.adapter(), job.files()));
    }

    /**
     * Jetty's threads. No thread is held by a waiting request (they wait as futures), so the pool is for requests
     * being handled. Jetty keeps threads "reserved" by default, and they spin waiting for work: on two cores they
     * took a fifth of the server's CPU under load (bench/load.sh, sampled with jstack); none are kept here.
     */
    private static org.eclipse.jetty.util.thread.QueuedThreadPool httpThreads() {
        var pool = new org.eclipse.jetty.util.thread.QueuedThreadPool(200, 8, 60_000);
        pool.setReservedThreads(0);
        pool.setName("http");
        return pool;
    }

    /** Runs a warm-up on a daemon thread; the real requests report what goes wrong. */
    private static void background(String name, Runnable warmUp) {
        Thread thread = new Thread(() -> {
            try {
                warmUp.run();
            } catch (RuntimeException e) {
                log.debug("{}: {}", name, e.toString());
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }

    public int port() {
        if (app == null) throw new IllegalStateException("an embedded server has no port");
        return app.port();
    }

    public Scheduler scheduler() {
        return core().scheduler();
    }

    /** The store, once open (a standby has one, and no scheduler yet). */
    private Store store() {
        try {
            return opening.store.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) throw cause;
            throw e;
        }
    }

    /** The database and scheduler, once open; if they could not be, why. */
    private Core core() {
        try {
            return core.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) throw cause;
            throw e;
        }
    }

    @Override
    public void close() {
        leaseTimer.shutdownNow();
        housekeepingTimer.shutdownNow();
        opening.closing = true;
        Core opened = null;
        try {
            // An embedded server may be closed while its database is still opening; a standby has no scheduler.
            if (!opening.standingBy) opened = core.join();
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException couldNotOpen) {
            opened = null;
        }
        if (opened != null) opened.scheduler().close();
        if (statusFeed != null) statusFeed.close();
        if (app != null) app.stop();
        if (opened != null) opened.store().close();
        else opening.store.thenAccept(Store::close);
        if (metrics != null) metrics.close();
    }

    // The route table is the API's documentation.
    private void routes() {
        app.before(ctx -> {
            if (!opening.standingBy) return;
            // A load balancer's health check sees it too: send the requests to the server that dispatches.
            ctx.status(HttpStatus.SERVICE_UNAVAILABLE).json(new ErrorReply("this server stands by for another that shares its store; "
                    + "ask that one (runners and requesters given both move on by themselves)"));
            ctx.skipRemainingHandlers();
        });
        app.before(authentication::authenticate);

        app.get(Api.HEALTH, ctx -> ctx.result("ok"));
        app.get(Api.VERSION, ctx -> ctx.result(scheduler().version()));
        metrics.watch(this::scheduler);
        app.get(Api.METRICS, ctx -> ctx.contentType(Metrics.CONTENT_TYPE).result(metrics.scrape()));
        statusPage.routes(app);

        new BlobRoutes(blobs, config.limits(), metrics).routes(app);

        app.post(Api.BUILDS, this::submitBuild);
        app.get(Api.BUILDS, ctx -> ctx.json(store().recentBuilds(intParam(ctx, "limit", 50, 1, 1000))));
        app.get(Api.BUILD, ctx -> ctx.json(requireBuild(longPath(ctx, "id"))));
        // The long-polls below wait without a thread: their replies complete when there is something to say.
        app.get(Api.BUILD_EVENTS, ctx -> {
            var reply = scheduler().eventsAsync(requireBuildId(longPath(ctx, "id")), longParam(ctx, "after", 0), waitParam(ctx));
            ctx.future(() -> reply.thenAccept(ctx::json));
        });
        app.get(Api.BUILD_MANIFEST, ctx -> {
            long id = longPath(ctx, "id");
            BuildManifest manifest = scheduler().manifest(id);
            if (manifest == null) throw new NotFound("no build " + id);
            recentManifests.remember(manifest);
            ctx.contentType(io.javalin.http.ContentType.APPLICATION_JSON).result(manifest.json(ctx.queryParam("base"), recentManifests));
        });
        app.post(Api.BUILD_CANCEL, ctx -> {
            long id = longPath(ctx, "id");
            Access.Principal who = ctx.attribute(Authentication.PRINCIPAL);
            BuildInfo build = requireBuild(id);
            if (who != null && who.role() == Access.Role.USER && !who.name().equals(build.requestedBy())) {
                throw new Forbidden("build " + id + " was sent by " + build.requestedBy() + "; a user's token cancels only its own builds");
            }
            ctx.json(cancel(id));
        });

        app.post(Api.ESTIMATE, ctx -> ctx.json(estimate(body(ctx, Estimate.Request.class))));
        app.post(Api.RUNNERS, ctx -> ctx.status(HttpStatus.CREATED).json(register(body(ctx, Runners.Registration.class), ctx.ip())));
        app.get(Api.RUNNERS, ctx -> ctx.json(scheduler().runners()));
        app.post(Api.RUNNER_HEARTBEAT, ctx -> {
            var reply = heartbeatAsync(ctx.pathParam("id"), body(ctx, Runners.Heartbeat.class), waitParam(ctx));
            ctx.future(() -> reply.thenAccept(ctx::json));
        });
        app.post(Api.RUNNER_LEAVE, ctx -> {
            scheduler().leave(ctx.pathParam("id"));
            ctx.status(HttpStatus.NO_CONTENT);
        });
        app.post(Api.RUNNER_NEXT_JOB, ctx -> {
            var reply = scheduler().nextJobAsync(ctx.pathParam("id"), intParam(ctx, "instance", 0, 0, NumberChecks.MAX_INSTANCES), waitParam(ctx));
            ctx.future(() -> reply.thenAccept(job -> {
                if (job.isEmpty()) {
                    ctx.status(HttpStatus.NO_CONTENT);
                } else {
                    prepareForResults(job.get());
                    ctx.json(job.get());
                }
            }));
        });
        app.post(Api.JOB_RESULT, ctx -> ctx.json(reportResult(longPath(ctx, "id"), body(ctx, JobResult.class),
                intParam(ctx, "next", 0, 0, NumberChecks.MAX_INSTANCES))));
        app.get(Api.RUNNERS_AVAILABLE, ctx -> ctx.result(String.valueOf(scheduler().availableInstances())));
        app.get(Api.RUNNERS_TOTAL, ctx -> ctx.result(String.valueOf(scheduler().totalInstances())));
        app.get(Api.RUNNERS_OUTDATED, ctx -> ctx.result(scheduler().runners().stream().filter(r -> !r.upToDate() && r.live())
                .map(r -> r.address() + " " + r.hostname() + " " + r.id() + (r.note() == null ? "" : " -- " + r.note().replace('\n', ' ')) + "\n")
                .collect(Collectors.joining())));

        app.exception(BadRequest.class, (e, ctx) -> ctx.status(HttpStatus.BAD_REQUEST).json(new ErrorReply(e.getMessage())));
        app.exception(ManifestPaths.UnsafePathException.class, (e, ctx) -> ctx.status(HttpStatus.BAD_REQUEST).json(new ErrorReply(e.getMessage())));
        app.exception(BlobStore.BlobRejectedException.class, (e, ctx) -> ctx.status(HttpStatus.BAD_REQUEST).json(new ErrorReply(e.getMessage())));
        app.exception(CappedInput.TooLarge.class, (e, ctx) -> ctx.status(HttpStatus.CONTENT_TOO_LARGE).json(new ErrorReply(e.getMessage())));
        app.exception(Forbidden.class, (e, ctx) -> ctx.status(HttpStatus.FORBIDDEN).json(new ErrorReply(e.getMessage())));
        app.exception(NotFound.class, (e, ctx) -> ctx.status(HttpStatus.NOT_FOUND).json(new ErrorReply(e.getMessage())));
        app.exception(Conflict.class, (e, ctx) -> ctx.status(HttpStatus.CONFLICT).json(new ErrorReply(e.getMessage())));
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
        ctx.status(HttpStatus.CREATED).json(submit(request, ctx.ip()));
    }

    // The operations of the API, for the routes and for in-process callers alike.

    BuildInfo submit(BuildRequest request, String address) {
        sweeping.lock();
        try {
            return submitWhileNoSweep(request, address);
        } finally {
            sweeping.unlock();
        }
    }

    private BuildInfo submitWhileNoSweep(BuildRequest request, String address) {
        return scheduler().submit(buildChecks.normalise(request, address));
    }

    EventsReply events(long buildId, long after, long waitMillis) throws InterruptedException {
        return scheduler().events(requireBuildId(buildId), after, waitMillis);
    }

    BuildInfo cancel(long buildId) {
        return scheduler().cancel(requireBuild(buildId).id());
    }

    Estimate.Reply estimate(Estimate.Request request) {
        if (request.project() == null || request.adapter() == null || request.files() == null) throw new BadRequest("project, adapter and files are required");
        return scheduler().estimate(request);
    }

    Runners.Registered register(Runners.Registration registration, String address) {
        if (registration.hostname() == null || registration.version() == null) throw new BadRequest("hostname and version are required");
        NumberChecks.registration(registration);
        return scheduler().register(registration, address);
    }

    private java.util.concurrent.CompletableFuture<Runners.HeartbeatReply> heartbeatAsync(String runnerId, Runners.Heartbeat heartbeat, long waitMillis) {
        return scheduler().heartbeatAsync(runnerId, heartbeat.running(), checkedNote(heartbeat), waitMillis);
    }

    Runners.HeartbeatReply heartbeat(String runnerId, Runners.Heartbeat heartbeat, long waitMillis) throws InterruptedException {
        return scheduler().heartbeat(runnerId, heartbeat.running(), checkedNote(heartbeat), waitMillis);
    }

    /** Refuses a heartbeat's malformed job list; returns its note, cut to 500 characters. */
    private static String checkedNote(Runners.Heartbeat heartbeat) {
        // A null in the list would have gone into the runner's cancellations and failed its every later heartbeat.
        if (heartbeat.running() != null && heartbeat.running().stream().anyMatch(java.util.Objects::isNull)) throw new BadRequest("running: job ids must be numbers");
        return heartbeat.note() == null ? null : heartbeat.note().length() > 500 ? heartbeat.note().substring(0, 500) : heartbeat.note();
    }

    /** The next job, or null when none came within the wait. */
    JobAssignment nextJob(String runnerId, int instance, long waitMillis) throws InterruptedException {
        JobAssignment job = scheduler().nextJob(runnerId, instance, waitMillis).orElse(null);
        if (job != null) prepareForResults(job);
        return job;
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
        if (next != null) prepareForResults(next);
        return new Runners.ResultReply(reply.buildOver(), next);
    }

    Runners.ResultReply reportResult(long jobId, JobResult result) {
        if (result.runnerId() == null || result.files() == null) throw new BadRequest("runnerId and files are required");
        // Before the scheduler lets go of the job: a result it could not record must not lose it.
        if (result.files().stream().anyMatch(java.util.Objects::isNull)) throw new BadRequest("a file result is null");
        NumberChecks.result(result);
        Scheduler.ResultStatus recorded = scheduler().record(jobId, result);
        if (recorded == Scheduler.ResultStatus.IGNORED) throw new Conflict("job " + jobId + " is not running on runner " + result.runnerId() + "; result ignored");
        return new Runners.ResultReply(recorded == Scheduler.ResultStatus.BUILD_OVER);
    }

    /** The id of a build there is; 404 otherwise. */
    private long requireBuildId(long id) {
        if (store().buildStatus(id) == null) throw new NotFound("no build " + id);
        return id;
    }

    private BuildInfo requireBuild(long id) {
        BuildInfo build = store().build(id);
        if (build == null) throw new NotFound("no build " + id);
        return build;
    }

    /**
     * This server's API for callers in the same process (local mode's requester and runner): the routes'
     * operations without HTTP, answering errors with the statuses the routes would.
     */
    public ServerApi inProcess() {
        return new InProcessApi(this);
    }

    /** Whether the store could not be opened (an in-process caller then gets that error as it is). */
    boolean failedToOpen() {
        return core.isCompletedExceptionally();
    }

    private <T> T body(Context ctx, Class<T> type) {
        return body(ctx, type, config.limits().maxRequestBytes());
    }

    /** A JSON request body, read as it arrives and cut off past maxBytes (413); a 400 for anything malformed. */
    static <T> T body(Context ctx, Class<T> type, long maxBytes) {
        try (InputStream in = new CappedInput(ctx.bodyInputStream(), maxBytes, "a request")) {
            T value = Json.MAPPER.readValue(in, type);
            if (value == null) throw new BadRequest("empty request body");
            return value;
        } catch (JacksonException e) {
            throw new BadRequest("malformed " + type.getSimpleName() + " JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRequest("unreadable request body: " + e.getMessage());
        }
    }

    private static long waitParam(Context ctx) {
        return Math.min(MAX_WAIT_MILLIS, longParam(ctx, "wait", 0));
    }

    private static long longPath(Context ctx, String name) {
        try {
            return Long.parseLong(ctx.pathParam(name));
        } catch (NumberFormatException e) {
            throw new NotFound("no such " + name + ": " + ctx.pathParam(name));
        }
    }

    private static long longParam(Context ctx, String name, long fallback) {
        String value = ctx.queryParam(name);
        if (value == null) return fallback;
        try {
            return Math.max(0, Long.parseLong(value));
        } catch (NumberFormatException e) {
            throw new BadRequest(name + " must be a number");
        }
    }

    private static int intParam(Context ctx, String name, int fallback, int min, int max) {
        return (int) Math.max(min, Math.min(max, longParam(ctx, name, fallback)));
    }

    static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }

    static final class Forbidden extends RuntimeException {
        Forbidden(String message) {
            super(message);
        }
    }

    static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message);
        }
    }

    static final class Conflict extends RuntimeException {
        Conflict(String message) {
            super(message);
        }
    }

    /** For the status page and tests. */
    public List<RunnerInfo> runners() {
        return scheduler().runners();
    }
}
