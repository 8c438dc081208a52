package io.testbot.server;

import io.testbot.protocol.BlobQuery;
import io.testbot.protocol.BuildEvent;
import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.BuildStatus;
import io.testbot.protocol.Estimate;
import io.testbot.protocol.EventsReply;
import io.testbot.protocol.FileEntry;
import io.testbot.protocol.JobAssignment;
import io.testbot.protocol.JobResult;
import io.testbot.protocol.Json;
import io.testbot.protocol.RunnerInfo;
import io.testbot.protocol.Runners;
import io.testbot.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * What a server's first build would otherwise wait for, done ahead in the background: the JSON readers and writers
 * of a build's requests and of the events the store keeps (Jackson builds each on its first use), and a rehearsal of
 * recording a result and ending a build.
 */
final class ServerWarmUp {
    private static final Logger log = LoggerFactory.getLogger(ServerWarmUp.class);

    /** Whether requests reach the server as JSON (testbot server), or only through the in-process API (local mode). */
    private final boolean http;
    private final Supplier<Scheduler> scheduler;
    private final Supplier<Store> store;
    private final AtomicBoolean warmedUp = new AtomicBoolean();
    private final AtomicBoolean rehearsed = new AtomicBoolean();

    ServerWarmUp(boolean http, Supplier<Scheduler> scheduler, Supplier<Store> store) {
        this.http = http;
        this.scheduler = scheduler;
        this.store = store;
    }

    /**
     * Builds, once and in the background, the JSON mapping. testbot server calls it once started; local mode's
     * server, whose start has no core to spare, does it when its first job is out (see {@link #prepareForResults}),
     * and only for what the store writes and reads: no request reaches it through JSON.
     */
    void warmUp() {
        if (warmedUp.compareAndSet(false, true)) background("warm-up", http ? ServerWarmUp::prepareJson : ServerWarmUp::prepareStoreJson);
    }

    /**
     * What a result's round trip needs the first time, while jobs run: the JSON mapping once the first job is out
     * (if testbot server has not built it at its start), and, once a build's last queued job is out, a rehearsal of
     * recording a result and ending the build ({@link Store.Rehearsal}: those statements, run and rolled back).
     * Run cold, they took 25-60 ms between local mode's last spec and its summary (measured). Not sooner: the
     * rehearsal holds the store, and jobs still to hand out would wait for it.
     */
    void prepareForResults(JobAssignment job) {
        warmUp();
        if (rehearsed.get() || scheduler.get().hasQueuedJobs(job.buildId()) || !rehearsed.compareAndSet(false, true)) return;
        if (!(store.get() instanceof Store.Rehearsal rehearsal)) return;
        background("rehearsal", () -> rehearsal.rehearseResult(job.buildId(), job.jobId(), job.project(), job.adapter(), job.files()));
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
}
