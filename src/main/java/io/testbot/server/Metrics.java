package io.testbot.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.testbot.protocol.RunnerInfo;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The server's meters, scraped at GET /metrics in Prometheus' text format (Micrometer's Prometheus registry):
 * runners by state, instances busy, jobs queued, builds running; jobs and builds by outcome, job durations, blob
 * bytes in and out, what housekeeping deleted; and the JVM's own. docs/operations.md has a scrape configuration.
 */
public final class Metrics implements SchedulerEvents, AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer jobDuration;
    private final Counter uploaded;
    private final Counter served;
    private final Counter buildsDeleted;
    private final Counter blobsDeleted;
    private final Counter blobBytesDeleted;
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public Metrics() {
        jobDuration = Timer.builder("testbot.job.duration").description("How long jobs ran on their runners")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofHours(1))
                .register(registry);
        uploaded = Counter.builder("testbot.blob.uploaded").baseUnit("bytes").description("Bytes of project files uploaded by requesters").register(registry);
        served = Counter.builder("testbot.blob.served").baseUnit("bytes").description("Bytes of project files served to runners").register(registry);
        buildsDeleted = Counter.builder("testbot.housekeeping.builds.deleted").description("Finished builds deleted for their age").register(registry);
        blobsDeleted = Counter.builder("testbot.housekeeping.blobs.deleted").description("Uploaded files deleted, no recent build using them").register(registry);
        blobBytesDeleted = Counter.builder("testbot.housekeeping.blob.deleted").baseUnit("bytes").description("Bytes of those files").register(registry);
        // Every outcome and verdict from the start, at 0: a query for one that has not happened yet finds a series.
        for (String outcome : List.of("passed", "failed", "errored", "requeued", "cancelled")) registry.counter("testbot.jobs", "outcome", outcome);
        for (String verdict : List.of("passed", "failed", "cancelled")) registry.counter("testbot.builds", "verdict", verdict);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** Gauges read from the scheduler when scraped. */
    void watch(Supplier<Scheduler> scheduler) {
        for (String state : List.of("live", "outdated", "gone")) {
            Gauge.builder("testbot.runners", () -> scheduler.get().runners().stream().filter(r -> state.equals(state(r))).count())
                    .description("Runners the server knows, by state").tag("state", state).register(registry);
        }
        Gauge.builder("testbot.instances", () -> scheduler.get().totalInstances()).description("Instances of live, up-to-date runners").register(registry);
        Gauge.builder("testbot.instances.busy", () -> scheduler.get().totalInstances() - scheduler.get().availableInstances())
                .description("Instances running a job").register(registry);
        Gauge.builder("testbot.jobs.queued", () -> scheduler.get().queuedJobs()).description("Jobs waiting for an instance").register(registry);
        Gauge.builder("testbot.builds.running", () -> scheduler.get().runningBuilds()).description("Builds not finished").register(registry);
    }

    private static String state(RunnerInfo runner) {
        if (!runner.live()) return "gone";
        return runner.upToDate() ? "live" : "outdated";
    }

    @Override
    public void jobFinished(String outcome, double seconds) {
        registry.counter("testbot.jobs", "outcome", outcome).increment();
        jobDuration.record(Duration.ofNanos((long) (seconds * 1e9)));
    }

    @Override
    public void jobRequeued() {
        registry.counter("testbot.jobs", "outcome", "requeued").increment();
    }

    @Override
    public void jobsCancelled(int jobs) {
        registry.counter("testbot.jobs", "outcome", "cancelled").increment(jobs);
    }

    @Override
    public void buildFinished(String status) {
        registry.counter("testbot.builds", "verdict", status).increment();
    }

    void uploaded(long bytes) {
        uploaded.increment(bytes);
    }

    void served(long bytes) {
        served.increment(bytes);
    }

    void housekept(Housekeeping.Swept swept) {
        buildsDeleted.increment(swept.builds());
        blobsDeleted.increment(swept.blobs());
        blobBytesDeleted.increment(swept.blobBytes());
    }

    /** The text format Prometheus scrapes (version 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
