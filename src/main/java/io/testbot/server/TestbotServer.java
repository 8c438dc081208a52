package io.testbot.server;

import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import io.testbot.protocol.Api;
import io.testbot.protocol.Json;
import io.testbot.protocol.RunnerInfo;
import io.testbot.protocol.ServerApi;
import io.testbot.protocol.Version;
import io.testbot.store.Stores;
import io.testbot.store.Store;
import io.testbot.sync.BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The testbot server: it opens the store (or stands by while another server that shares it dispatches), starts the
 * {@link Scheduler} over it, serves the API ({@link ApiRoutes} over {@link ServerOperations}, the blob store, the
 * status page and metrics) and runs the timers (leases, housekeeping, its dispatch claim). Local mode embeds one
 * without HTTP: its requester and runner call the same operations through {@link #inProcess()}.
 */
public final class TestbotServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TestbotServer.class);
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
    private final ServerWarmUp warmUp;
    private final ServerOperations operations;
    /** The snapshots runners' copies were last brought to: the next manifests go to them as changes. */
    private final RecentManifests recentManifests = new RecentManifests(RECENT_MANIFEST_ENTRIES);
    private final ScheduledExecutorService housekeepingTimer;
    /** Housekeeping deletes blobs under it; a submission checks that its blobs are there under it. */
    private final java.util.concurrent.locks.ReentrantLock sweeping = new java.util.concurrent.locks.ReentrantLock();

    private record Core(Store store, Scheduler scheduler) {}

    /**
     * The store as it opens, and whether this server stands by: another server that shares the store (PostgreSQL)
     * dispatches its jobs, and this one passes the API's requests on to that one (StandbyForwarding) until it
     * stops and this one takes over.
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
        this.warmUp = new ServerWarmUp(http, this::scheduler, this::store);
        this.operations = new ServerOperations(this::scheduler, this::store, new BuildChecks(blobs, config.limits().maxBuildBytes()), sweeping, warmUp);
        this.statusPage = http ? new StatusPage(token -> config.token() == null ? Access.ANYONE : authentication.principal(token), statusFeed, config.tls() != null,
                config.token() == null) : null;
        if (http) {
            StandbyForwarding forwarding = new StandbyForwarding(() -> store().dispatcherAddress(), this::advertisedAddress, config.limits().maxRequestBytes());
            new ApiRoutes(operations, this::store, recentManifests, config.limits().maxRequestBytes()).install(app, () -> opening.standingBy, forwarding, authentication, routes -> {
                metrics.watch(this::scheduler);
                routes.get(Api.METRICS, ctx -> ctx.contentType(Metrics.CONTENT_TYPE).result(metrics.scrape()));
                statusPage.routes(routes);
                new BlobRoutes(blobs, config.limits(), metrics).routes(routes);
            });
        }
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
        server.core.thenRun(server::announce);
        return server;
    }

    private volatile String advertised;

    /** Where the servers that share the store reach this one (worked out once: it may ask the name service). */
    private String advertisedAddress() {
        if (advertised == null) advertised = config.advertisedAddress(port());
        return advertised;
    }

    /** Tells the servers that share the store where this one, which dispatches now, answers (for their forwarding). */
    private void announce() {
        String address = advertisedAddress();
        try {
            store().announceDispatcher(address);
        } catch (RuntimeException e) {
            log.warn("could not record this server's address {} in the store: standing-by servers will answer 503: {}", address, e.toString());
        }
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
                    log.info("another server dispatches the jobs of {}: this one stands by to take over, and passes the API's requests on to it until then", Stores.redacted(config.storeUrl()));
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
     * lives: another server may have taken over). It stops dispatching at once (it answers as a standby); testbot server then exits, so
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

    /** Builds the JSON mapping ahead, in the background (testbot server calls it once started). */
    public void warmUp() {
        warmUp.warmUp();
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

    /**
     * This server's API for callers in the same process (local mode's requester and runner): the routes'
     * operations without HTTP, answering errors with the statuses the routes would.
     */
    public ServerApi inProcess() {
        return new InProcessApi(operations, this::failedToOpen);
    }

    /** Whether the store could not be opened (an in-process caller then gets that error as it is). */
    boolean failedToOpen() {
        return core.isCompletedExceptionally();
    }

    /** For the status page and tests. */
    public List<RunnerInfo> runners() {
        return scheduler().runners();
    }
}
