package io.testbot.server;

import io.javalin.http.sse.SseClient;
import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.BuildStatus;
import io.testbot.protocol.Json;
import io.testbot.protocol.RunnerInfo;
import io.testbot.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What the live status page shows, and its push: every browser on /status follows /status/events (server-sent
 * events), and gets the farm's view again whenever the scheduler changed (checked four times a second, sent at
 * most that often), and every few seconds anyway (runners' last-seen times, elapsed times).
 */
final class StatusFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StatusFeed.class);
    private static final long CHECK_MILLIS = 250;
    private static final Duration REFRESH = Duration.ofSeconds(5);
    static final int RECENT_BUILDS = 20;

    /** The farm now: runners, the builds running, the recent ones. */
    record View(String version, Instant at, List<RunnerInfo> runners, List<Running> running, List<Recent> recent) {}

    /** A running build: its progress, its failures so far, what runs where, and a guess at what is left (seconds). */
    record Running(BuildInfo build, int failures, List<Scheduler.LiveJob> jobs, Double secondsLeft) {}

    /** A finished build: its verdict, wall time and that against the ideal for the instances it had. */
    record Recent(BuildInfo build, Double wallSeconds, Double idealSeconds, Double ratio) {}

    /** A build's page: the build, and its jobs with the runner's name. */
    record BuildView(BuildInfo build, List<Span> jobs, Double idealSeconds) {}

    record Span(long jobId, int attempt, String runner, int instance, Instant startedAt, Instant finishedAt, String status, String outcome, List<String> files) {}

    private final Supplier<Scheduler> scheduler;
    private final Supplier<Store> store;
    private final Set<SseClient> clients = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "status-feed");
        t.setDaemon(true);
        return t;
    });
    private long sentChanges = -1;
    private long sentAt;

    StatusFeed(Supplier<Scheduler> scheduler, Supplier<Store> store) {
        this.scheduler = scheduler;
        this.store = store;
        timer.scheduleWithFixedDelay(this::push, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** A browser that follows the page: it gets the view at once, then each change. */
    void join(SseClient client) {
        client.keepAlive();
        client.onClose(() -> clients.remove(client));
        clients.add(client);
        try {
            client.sendEvent("status", Json.MAPPER.writeValueAsString(view()));
        } catch (Exception e) {
            clients.remove(client);
        }
    }

    private void push() {
        if (clients.isEmpty()) return;
        try {
            long changes = scheduler.get().changes();
            if (changes == sentChanges && System.nanoTime() - sentAt < REFRESH.toNanos()) return;
            sentChanges = changes;
            sentAt = System.nanoTime();
            String json = Json.MAPPER.writeValueAsString(view());
            for (SseClient client : clients) {
                if (client.terminated()) clients.remove(client);
                else client.sendEvent("status", json);
            }
        } catch (Exception e) {
            log.debug("status feed: {}", e.toString());
        }
    }

    View view() {
        Scheduler now = scheduler.get();
        List<BuildInfo> builds = store.get().recentBuilds(RECENT_BUILDS + 20);
        Map<Long, BuildInfo> byId = new HashMap<>();
        builds.forEach(b -> byId.put(b.id(), b));
        Instant at = Instant.now();
        List<Running> running = new ArrayList<>();
        for (Scheduler.LiveBuild live : now.liveBuilds()) {
            BuildInfo build = byId.containsKey(live.id()) ? byId.get(live.id()) : store.get().build(live.id());
            if (build == null) continue;
            double elapsed = Duration.between(build.createdAt(), at).toMillis() / 1000.0;
            Double left = build.jobsDone() > 0 && build.jobs() > build.jobsDone() ? elapsed * (build.jobs() - build.jobsDone()) / build.jobsDone() : null;
            running.add(new Running(build, live.failures(), live.running(), left));
        }
        List<BuildInfo> finished = builds.stream().filter(b -> !BuildStatus.RUNNING.equals(b.status())).limit(RECENT_BUILDS).toList();
        Map<Long, Store.BuildStats> stats = store.get().buildStats(finished.stream().map(BuildInfo::id).toList());
        List<Recent> recent = new ArrayList<>();
        for (BuildInfo build : finished) {
            Double wall = build.finishedAt() == null ? null : Duration.between(build.createdAt(), build.finishedAt()).toMillis() / 1000.0;
            Store.BuildStats s = stats.get(build.id());
            Double ideal = s == null ? null : s.idealSeconds();
            recent.add(new Recent(build, wall, ideal, wall == null || ideal == null || ideal <= 0 ? null : wall / ideal));
        }
        return new View(now.version(), at, now.runners(), running, recent);
    }

    /** One build's page: null when there is no such build. */
    BuildView build(long id) {
        BuildInfo build = store.get().build(id);
        if (build == null) return null;
        Map<String, String> names = new HashMap<>();
        for (RunnerInfo runner : scheduler.get().runners()) names.put(runner.id(), runner.hostname());
        List<Span> spans = new ArrayList<>();
        for (Store.JobSpan job : store.get().jobSpans(id)) {
            String runner = job.runnerId() == null ? null : names.getOrDefault(job.runnerId(), job.runnerId());
            spans.add(new Span(job.jobId(), job.attempt(), runner, job.instance(), job.startedAt(), job.finishedAt(), job.status(), job.outcome(), job.files()));
        }
        Store.BuildStats stats = store.get().buildStats(List.of(id)).get(id);
        return new BuildView(build, spans, stats == null ? null : stats.idealSeconds());
    }

    @Override
    public void close() {
        timer.shutdownNow();
        clients.forEach(SseClient::close);
    }
}
