package io.testbot.server;

import io.testbot.protocol.BuildEvent;
import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.JobAssignment;
import io.testbot.protocol.JobResult;
import io.testbot.protocol.Runners;
import io.testbot.store.SqliteStore;
import io.testbot.store.Store;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The scheduler against a real SQLite file, with a clock the test moves. */
class SchedulerTest {
    static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @TempDir
    Path dir;
    MovableClock clock = new MovableClock();
    SqliteStore store;
    Scheduler scheduler;

    @BeforeEach
    void setUp() {
        store = new SqliteStore(dir.resolve("db.sqlite"));
        scheduler = new Scheduler(store, "1.0", clock, true);
    }

    String runner(String version) {
        return scheduler.register(new Runners.Registration("host", version, 2, "/w"), "127.0.0.1").runnerId();
    }

    BuildInfo build(String... files) {
        return build(false, files);
    }

    BuildInfo build(boolean failFast, String... files) {
        return scheduler.submit(new BuildRequest("proj", "rspec", List.of(files), List.of(), null, null, 1, "me", failFast, 0, 0, null));
    }

    @Test
    void aBuildWithNeitherHistoryNorManifestGoesLargestFirstByTheSizesItWasSent() throws Exception {
        String r = runner("1.0");
        List<String> files = List.of("spec/a_spec.rb", "spec/b_spec.rb", "spec/c_spec.rb");
        scheduler.submit(new BuildRequest("proj", "rspec", files, List.of(), null, null, 0, "me", false, 0, 0,
                Map.of("spec/a_spec.rb", 10L, "spec/b_spec.rb", 5000L, "spec/c_spec.rb", 300L)));
        List<String> handedOut = new java.util.ArrayList<>();
        for (java.util.Optional<JobAssignment> job; (job = scheduler.nextJob(r, 0)).isPresent(); ) handedOut.addAll(job.get().files());
        assertThat(handedOut).containsExactly("spec/b_spec.rb", "spec/c_spec.rb", "spec/a_spec.rb");
    }

    /** The files per job of a first build (no history, no start-up measured) of 48 files of one size. */
    List<Integer> firstBuildJobSizes(String adapter, String project) {
        List<String> files = IntStream.rangeClosed(1, 48).mapToObj(i -> "t/file_" + i + "_test.rb").toList();
        Map<String, Long> sizes = files.stream().collect(Collectors.toMap(f -> f, f -> 100L));
        BuildInfo build = scheduler.submit(new BuildRequest(project, adapter, files, List.of(), null, null, 0, "me", false, 0, 0, sizes));
        return store.jobs(build.id()).stream().map(job -> job.files().size()).toList();
    }

    @Test
    void aFirstBuildSizesItsJobsFromWhatItsFrameworkAssumesAJobCosts() {
        scheduler.register(new Runners.Registration("host", "1.0", 8, "/w"), "127.0.0.1");
        // rspec's jobs go to warm workers: the end of the build runs in single files, as small as jobs get.
        List<Integer> rspec = firstBuildJobSizes("rspec", "a");
        assertThat(rspec.subList(rspec.size() - 12, rspec.size())).containsOnly(1);
        // Test::Unit boots for each job: the last files are packed into one job per instance.
        List<Integer> testUnit = firstBuildJobSizes("test", "b");
        assertThat(testUnit.subList(testUnit.size() - 8, testUnit.size()).stream().mapToInt(Integer::intValue).sum()).isGreaterThan(12);
        assertThat(testUnit.size()).isLessThan(rspec.size());
    }

    @Test
    void aBuildIsPlannedWithWhatStartingAJobCostsOnTheRunnersThatWillRunIt() throws Exception {
        List<String> files = java.util.stream.IntStream.rangeClosed(1, 12).mapToObj(i -> "f" + i + "_test.rb").toList();
        store.recordRuntimes("proj", "test", files.stream().collect(java.util.stream.Collectors.toMap(f -> f, f -> 0.3)), clock.now);
        // Warm workers: a job costs 0.05 s beyond its files. A process per job (--no-warm) boots the helper each time: 1.5 s.
        String warm = scheduler.register(new Runners.Registration("warm", "1.0", 4, "/w"), "127.0.0.1").runnerId();
        runAll(warm, 0.05, files); // planned from what Test::Unit is assumed to cost: nothing measured yet
        int warmJobs = runAll(warm, 0.05, files);
        scheduler.leave(warm);
        String perJob = scheduler.register(new Runners.Registration("cold", "1.0", 4, "/w", true, 0), "127.0.0.1").runnerId();
        runAll(perJob, 1.5, files); // planned from the assumed cost again, not from warm workers' measured 0.05 s
        int perJobJobs = runAll(perJob, 1.5, files);

        assertThat(store.jobOverhead(new Store.HistoryKey("proj", "test", false)).getAsDouble()).isCloseTo(0.05, within(1e-6));
        assertThat(store.jobOverhead(new Store.HistoryKey("proj", "test", true)).getAsDouble()).isCloseTo(1.5, within(1e-6));
        assertThat(warmJobs).isGreaterThan(4);
        assertThat(perJobJobs).as("jobs that each boot for 1.5 s: one per instance at most").isLessThanOrEqualTo(4);
        // The warm runner back: its builds are planned with its own history again, not the cold runner's.
        scheduler.leave(perJob);
        String again = scheduler.register(new Runners.Registration("warm", "1.0", 4, "/w"), "127.0.0.1").runnerId();
        assertThat(runAll(again, 0.05, files)).isEqualTo(warmJobs);
    }

    @Test
    void aJunitBuildIsPlannedForTheJvmsItsRunnersRunAtOnceNotForTheirInstances() {
        List<String> files = IntStream.rangeClosed(1, 12).mapToObj(i -> "target/test-classes/demo/C" + i + "Test.class").toList();
        store.recordRuntimes("proj", "junit", files.stream().collect(Collectors.toMap(f -> f, f -> 1.0)), clock.now);
        store.recordRuntimes("proj", "rspec", Map.of("spec/a_spec.rb", 1.0), clock.now);
        java.util.function.Function<String, List<Integer>> plan = adapter -> {
            BuildInfo build = scheduler.submit(new BuildRequest("proj", adapter, adapter.equals("junit") ? files : List.of("spec/a_spec.rb"),
                    List.of("--class-path", "x"), null, null, 0, "me", false, 0, 0, null));
            return store.jobs(build.id()).stream().map(job -> job.files().size()).toList();
        };

        String capped = scheduler.register(new Runners.Registration("capped", "1.0", 4, "/w", false, 2), "127.0.0.1").runnerId();
        List<Integer> onTwoJvms = plan.apply("junit");
        assertThat(scheduler.estimate(new io.testbot.protocol.Estimate.Request("proj", "junit", files)).availableInstances()).isEqualTo(2);
        assertThat(scheduler.estimate(new io.testbot.protocol.Estimate.Request("proj", "rspec", List.of("spec/a_spec.rb"))).availableInstances()).isEqualTo(4);
        // A server that takes over (a restart, a standby) knows the runner's JVMs from the store before it registers again.
        Scheduler recovered = new Scheduler(store, "1.0", clock, true);
        assertThat(recovered.estimate(new io.testbot.protocol.Estimate.Request("proj", "junit", files)).availableInstances()).isEqualTo(2);
        scheduler.leave(capped);
        String two = scheduler.register(new Runners.Registration("two", "1.0", 2, "/w"), "127.0.0.1").runnerId();
        List<Integer> onTwoInstances = plan.apply("junit");
        scheduler.leave(two);
        scheduler.register(new Runners.Registration("four", "1.0", 4, "/w"), "127.0.0.1");
        List<Integer> onFourInstances = plan.apply("junit");

        assertThat(onTwoJvms).isEqualTo(onTwoInstances).isNotEqualTo(onFourInstances);
    }

    /** Submits a Test::Unit build of the files, runs all its jobs on the runner, each job taking overhead beyond its files; returns its job count. */
    int runAll(String runnerId, double overhead, List<String> files) throws Exception {
        BuildInfo build = scheduler.submit(new BuildRequest("proj", "test", files, List.of(), null, null, 0, "me", false, 0, 0, null));
        for (int i = 0; i < build.jobs(); i++) {
            JobAssignment job = scheduler.nextJob(runnerId, 0).orElseThrow();
            List<FileResult> results = job.files().stream().map(f -> new FileResult(f, 1, 0, 0, 0.3, List.of())).toList();
            assertThat(scheduler.record(job.jobId(), new JobResult(runnerId, 1, 0, false, "", overhead + 0.3 * results.size(), 0, "ruby", results)))
                    .isNotEqualTo(Scheduler.ResultStatus.IGNORED);
        }
        return build.jobs();
    }

    BuildInfo buildWithRetries(int retries, String... files) {
        return scheduler.submit(new BuildRequest("proj", "rspec", List.of(files), List.of(), null, null, 1, "me", false, 0, retries, null));
    }

    static JobResult failing(String runnerId, String file, String id) {
        return new JobResult(runnerId, 1, 1, false, "F\n", 0.1, 0, "rspec",
                List.of(new FileResult(file, 1, 1, 0, 0.1, List.of(new FileResult.Failure("./" + file + ":1", file + " fails", id)))));
    }

    static JobResult passed(String runnerId, JobAssignment job) {
        return new JobResult(runnerId, 1, 0, false, "ok\n", 0.5, 0, "rspec", job.files().stream().map(f -> new FileResult(f, 1, 0, 0, 0.5, List.of())).toList());
    }

    @Test
    void resultsThatArriveWhileTheBuildsLastIsWrittenGoToTheStoreTogetherInOneTransaction() throws Exception {
        List<Integer> batches = fiveResultsFourOfThemWhileTheFirstIsWritten(false);
        assertThat(batches).containsExactly(4);
    }

    @Test
    void aBatchTheStoreRefusesIsRecordedOneResultAtATime() throws Exception {
        List<Integer> batches = fiveResultsFourOfThemWhileTheFirstIsWritten(true);
        assertThat(batches).containsExactly(4);
    }

    /**
     * A build of five one-file jobs whose first result the store takes as long as the test says: the other four
     * arrive meanwhile. Each is recorded and counted once, the build passes, its events are numbered one after
     * another. Returns the sizes of the batches the store was given to write in one transaction (which it refuses
     * when told to, writing nothing of them).
     */
    private List<Integer> fiveResultsFourOfThemWhileTheFirstIsWritten(boolean refuseBatches) throws Exception {
        var writing = new java.util.concurrent.CountDownLatch(1);
        var release = new java.util.concurrent.CountDownLatch(1);
        var first = new java.util.concurrent.atomic.AtomicBoolean(true);
        List<Integer> batches = new java.util.concurrent.CopyOnWriteArrayList<>();
        Store slowFirst = (Store) java.lang.reflect.Proxy.newProxyInstance(Store.class.getClassLoader(), new Class<?>[]{Store.class}, (proxy, method, args) -> {
            if (method.getName().equals("recordJobResult") && first.getAndSet(false)) {
                writing.countDown();
                release.await(30, java.util.concurrent.TimeUnit.SECONDS);
            }
            if (method.getName().equals("recordJobResults")) {
                batches.add(((List<?>) args[0]).size());
                if (refuseBatches) throw new IllegalStateException("the store refuses the batch");
            }
            try {
                return method.invoke(store, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
            }
        });
        Scheduler s = new Scheduler(slowFirst, "1.0", clock, true);
        String r = s.register(new Runners.Registration("host", "1.0", 8, "/w"), "127.0.0.1").runnerId();
        BuildInfo build = s.submit(new BuildRequest("proj", "rspec", List.of("a", "b", "c", "d", "e"), List.of(), null, null, 1, "me", false, 0, 0, null));
        List<JobAssignment> jobs = new java.util.ArrayList<>();
        for (int instance = 0; instance < 5; instance++) jobs.add(s.nextJob(r, instance).orElseThrow());
        var pool = java.util.concurrent.Executors.newFixedThreadPool(5);
        try {
            var firstRecorded = pool.submit(() -> s.record(jobs.get(0).jobId(), passed(r, jobs.get(0))));
            assertThat(writing.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            List<java.util.concurrent.Future<Scheduler.ResultStatus>> others = jobs.subList(1, 5).stream()
                    .map(job -> pool.submit(() -> s.record(job.jobId(), passed(r, job)))).toList();
            org.awaitility.Awaitility.await("four results waiting").atMost(Duration.ofSeconds(30)).until(() -> s.resultsWaiting() == 4);
            release.countDown();

            assertThat(firstRecorded.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(Scheduler.ResultStatus.RECORDED);
            // The four ended the build together: each hears so.
            assertThat(others).allSatisfy(f -> assertThat(f.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(Scheduler.ResultStatus.BUILD_OVER));
        } finally {
            release.countDown();
            pool.shutdown();
        }
        assertThat(store.build(build.id()).status()).isEqualTo("passed");
        assertThat(store.build(build.id()).jobsDone()).isEqualTo(5);
        List<BuildEvent> events = s.events(build.id(), 0, 0).events();
        assertThat(events).filteredOn(e -> e.kind().equals(BuildEvent.JOB_FINISHED)).extracting(BuildEvent::jobId)
                .containsExactlyInAnyOrderElementsOf(jobs.stream().map(JobAssignment::jobId).toList());
        assertThat(events).extracting(BuildEvent::seq).containsExactlyElementsOf(LongStream.rangeClosed(1, events.size()).boxed().toList());
        return batches;
    }

    @Test
    void aBuildPassesWhenEveryJobHasReportedAndRuntimesAreKept() throws Exception {
        String r = runner("1.0");
        BuildInfo build = build("a", "b");
        JobAssignment first = scheduler.nextJob(r, 0).orElseThrow();
        JobAssignment second = scheduler.nextJob(r, 0).orElseThrow();
        assertThat(scheduler.nextJob(r, 0)).isEmpty();
        assertThat(scheduler.record(first.jobId(), passed(r, first))).isEqualTo(Scheduler.ResultStatus.RECORDED);
        assertThat(store.build(build.id()).status()).isEqualTo("running");
        // The runner hears that the build is over with its last result, and lets that build's workers go.
        assertThat(scheduler.record(second.jobId(), passed(r, second))).isEqualTo(Scheduler.ResultStatus.BUILD_OVER);
        assertThat(store.build(build.id()).status()).isEqualTo("passed");
        assertThat(store.runtimes("proj", "rspec")).containsOnlyKeys("a", "b");
        assertThat(scheduler.events(build.id(), 0, 0).events()).extracting(BuildEvent::kind)
                .containsExactly(BuildEvent.JOB_FINISHED, BuildEvent.JOB_FINISHED, BuildEvent.BUILD_FINISHED);
    }

    /**
     * Two servers on one store: the one that dispatched before this one took over recorded a job's result in the
     * moment before it stopped, after this one had recovered the job as still running. The runner's report of it to
     * this one is not kept (the store has one), but the job is over: its build ends, with the stored result, and its
     * followers get every event.
     */
    @Test
    void aResultTheStoreHasFromTheServerBeforeThisOneEndsTheJobAndItsBuild() throws Exception {
        String r = runner("1.0");
        BuildInfo build = build("a", "b");
        JobAssignment first = scheduler.nextJob(r, 0).orElseThrow();
        JobAssignment second = scheduler.nextJob(r, 0).orElseThrow();
        assertThat(scheduler.record(first.jobId(), passed(r, first))).isEqualTo(Scheduler.ResultStatus.RECORDED);
        store.recordJobResult(new Store.JobReport(build.id(), second.jobId(), 0, second.files(), new Store.HistoryKey("proj", "rspec", false),
                "host", failing(r, "b", "./b[1:1]"), null, clock.instant()));

        assertThat(scheduler.record(second.jobId(), passed(r, second))).as("the store's result is kept").isEqualTo(Scheduler.ResultStatus.BUILD_OVER);
        assertThat(store.build(build.id()).status()).isEqualTo("failed");
        assertThat(scheduler.events(build.id(), 0, 0).events()).extracting(BuildEvent::kind)
                .containsExactly(BuildEvent.JOB_FINISHED, BuildEvent.JOB_FINISHED, BuildEvent.BUILD_FINISHED);
        assertThat(scheduler.runningBuilds()).isZero();
    }

    @Test
    void aResultThatCannotBeRecordedLeavesTheJobToItsRunnerToReportAgain() throws Exception {
        String r = runner("1.0");
        BuildInfo build = build("a");
        JobAssignment job = scheduler.nextJob(r, 0).orElseThrow();
        try (java.sql.Connection other = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("db.sqlite"));
             java.sql.Statement sql = other.createStatement()) {
            sql.execute("ALTER TABLE file_results RENAME TO file_results_away"); // the store's write fails
            assertThatThrownBy(() -> scheduler.record(job.jobId(), passed(r, job))).isInstanceOf(RuntimeException.class);
            sql.execute("ALTER TABLE file_results_away RENAME TO file_results");
        }
        assertThat(scheduler.record(job.jobId(), passed(r, job))).as("reported again").isEqualTo(Scheduler.ResultStatus.BUILD_OVER);
        assertThat(store.build(build.id()).status()).isEqualTo("passed");
        assertThat(scheduler.events(build.id(), 0, 0).events()).extracting(BuildEvent::kind)
                .containsExactly(BuildEvent.JOB_FINISHED, BuildEvent.BUILD_FINISHED);
    }

    @Test
    void aSplitFileRecordsTheSumOfItsPartsAndLaterBuildsAddToItsHistory() throws Exception {
        String r = runner("1.0");
        BuildInfo split = build("spec/a_spec.rb[1:1]", "spec/a_spec.rb[1:2]");
        for (int i = 0; i < 2; i++) {
            JobAssignment part = scheduler.nextJob(r, 0).orElseThrow();
            JobResult result = new JobResult(r, 1, 0, false, "ok\n", 0.8, 0, "rspec", List.of(new FileResult("spec/a_spec.rb", 1, 0, 0, 0.5, List.of())));
            assertThat(scheduler.record(part.jobId(), result)).isNotEqualTo(Scheduler.ResultStatus.IGNORED);
        }
        assertThat(store.build(split.id()).status()).isEqualTo("passed");
        assertThat(store.runtimes("proj", "rspec")).containsExactly(Map.entry("spec/a_spec.rb", 1.0));

        // Faster builds bring the estimate down over a few builds (see RuntimeHistory), not at once.
        List<Double> estimates = new java.util.ArrayList<>();
        for (int later = 0; later < 2; later++) {
            build("spec/a_spec.rb");
            JobAssignment whole = scheduler.nextJob(r, 0).orElseThrow();
            scheduler.record(whole.jobId(), new JobResult(r, 1, 0, false, "ok\n", 0.9, 0, "rspec",
                    List.of(new FileResult("spec/a_spec.rb", 2, 0, 0, 0.7, List.of()))));
            estimates.add(store.runtimes("proj", "rspec").get("spec/a_spec.rb"));
        }
        assertThat(estimates).containsExactly(io.testbot.store.RuntimeHistory.NONE.with(1.0).with(0.7).estimate(),
                io.testbot.store.RuntimeHistory.NONE.with(1.0).with(0.7).with(0.7).estimate());
        assertThat(estimates.get(1)).isBetween(0.7, 1.0).isNotEqualTo(1.0);
    }

    @Test
    void anOutdatedRunnerGetsNoJobs() throws Exception {
        String old = runner("0.9");
        build("a");
        assertThatThrownBy(() -> scheduler.nextJob(old, 0)).isInstanceOf(Scheduler.OutdatedRunnerException.class);
        assertThat(scheduler.availableInstances()).isZero();
        assertThat(scheduler.runners()).singleElement().satisfies(info -> assertThat(info.upToDate()).isFalse());
    }

    @Test
    void jobsOfARunnerWhoseLeaseExpiredAreRequeuedAndItsLateResultIgnored() throws Exception {
        String lost = runner("1.0");
        BuildInfo build = build("a");
        JobAssignment job = scheduler.nextJob(lost, 0).orElseThrow();
        clock.now = clock.now.plus(Scheduler.RUNNER_LEASE).plus(Duration.ofSeconds(1));
        scheduler.expireLeases();

        String other = runner("1.0");
        JobAssignment again = scheduler.nextJob(other, 0).orElseThrow();
        assertThat(again.jobId()).isEqualTo(job.jobId());
        assertThat(scheduler.record(job.jobId(), passed(lost, job))).isEqualTo(Scheduler.ResultStatus.IGNORED);
        assertThat(scheduler.record(again.jobId(), passed(other, again))).isNotEqualTo(Scheduler.ResultStatus.IGNORED);
        assertThat(scheduler.events(build.id(), 0, 0).events()).filteredOn(e -> e.kind().equals(BuildEvent.JOB_FINISHED)).hasSize(1);
    }

    @Test
    void aParkedHeartbeatKeepsItsRunnerLiveAndOnceAnsweredTheLeaseCountsFromWhenItCame() throws Exception {
        // What lets a runner park its heartbeat for seconds: the wait costs nothing in finding a runner gone.
        String r = runner("1.0");
        build("a");
        JobAssignment job = scheduler.nextJob(r, 0).orElseThrow();
        BuildInfo cancelled = build("b");
        JobAssignment toStop = scheduler.nextJob(r, 0).orElseThrow();
        var parked = scheduler.heartbeatAsync(r, List.of(job.jobId(), toStop.jobId()), null, 60_000);
        clock.now = clock.now.plus(Scheduler.RUNNER_LEASE).plus(Duration.ofSeconds(1));
        scheduler.expireLeases();
        assertThat(scheduler.runners()).singleElement().satisfies(info -> assertThat(info.live()).isTrue());

        // Answered, and no next heartbeat: the one answered came more than a lease ago.
        scheduler.cancel(cancelled.id());
        assertThat(parked.get(10, java.util.concurrent.TimeUnit.SECONDS).cancelJobs()).containsExactly(toStop.jobId());
        scheduler.expireLeases();
        assertThat(scheduler.runners()).singleElement().satisfies(info -> assertThat(info.live()).isFalse());
        String other = runner("1.0");
        assertThat(scheduler.nextJob(other, 0)).get().extracting(JobAssignment::jobId).isEqualTo(job.jobId());
    }

    @Test
    void aBuildHasQueuedJobsUntilItsLastIsOutAndAgainWhenOneIsRequeued() throws Exception {
        String lost = runner("1.0");
        BuildInfo build = build("a", "b"); // one file per job
        BuildInfo other = build("c");
        assertThat(scheduler.hasQueuedJobs(build.id())).isTrue();
        scheduler.nextJob(lost, 0).orElseThrow();
        assertThat(scheduler.hasQueuedJobs(build.id())).isTrue();
        scheduler.nextJob(lost, 0).orElseThrow(); // the other build's, fairly
        scheduler.nextJob(lost, 0).orElseThrow();
        assertThat(scheduler.hasQueuedJobs(build.id())).isFalse();
        assertThat(scheduler.hasQueuedJobs(other.id())).isFalse();

        clock.now = clock.now.plus(Scheduler.RUNNER_LEASE).plus(Duration.ofSeconds(1));
        scheduler.expireLeases();
        assertThat(scheduler.hasQueuedJobs(build.id())).isTrue();
    }

    @Test
    void cancellingTellsTheRunnerToStopItsJobsAndDropsQueuedOnes() throws Exception {
        String r = runner("1.0");
        BuildInfo build = build("a", "b");
        JobAssignment running = scheduler.nextJob(r, 0).orElseThrow();
        assertThat(scheduler.cancel(build.id()).status()).isEqualTo("cancelled");
        assertThat(scheduler.heartbeat(r, null, 0).cancelJobs()).containsExactly(running.jobId());
        assertThat(scheduler.nextJob(r, 0)).isEmpty();
        assertThat(scheduler.record(running.jobId(), passed(r, running))).isEqualTo(Scheduler.ResultStatus.IGNORED);
    }

    @Test
    void aParkedHeartbeatHearsOfAllTheRunnersJobsOfACancelledBuildInOneReply() throws Exception {
        String r = runner("1.0");
        BuildInfo build = build("a", "b");
        JobAssignment first = scheduler.nextJob(r, 0).orElseThrow();
        JobAssignment second = scheduler.nextJob(r, 0).orElseThrow();
        var parked = scheduler.heartbeatAsync(r, List.of(first.jobId(), second.jobId()), null, 60_000);
        assertThat(parked).isNotDone();
        scheduler.cancel(build.id());
        // Told of one, a runner stops it, and the other, waiting for that one's JVM, would take it.
        assertThat(parked.get(10, java.util.concurrent.TimeUnit.SECONDS).cancelJobs()).containsExactlyInAnyOrder(first.jobId(), second.jobId());
    }

    @Test
    void aRestartedSchedulerKeepsFinishedBuildsAndRequeuesQueuedJobs() throws Exception {
        String r = runner("1.0");
        BuildInfo done = build("a");
        JobAssignment job = scheduler.nextJob(r, 0).orElseThrow();
        scheduler.record(job.jobId(), passed(r, job));
        BuildInfo pending = build("b");

        Scheduler restarted = new Scheduler(new SqliteStore(dir.resolve("db.sqlite")), "1.0", clock, true);
        assertThat(store.build(done.id()).status()).isEqualTo("passed");
        JobAssignment resumed = restarted.nextJob(r, 0).orElseThrow();
        assertThat(resumed.buildId()).isEqualTo(pending.id());
    }

    @Test
    void aRunnerThatLeavesHandsItsJobsBackAtOnce() throws Exception {
        String leaving = runner("1.0");
        build("a");
        JobAssignment job = scheduler.nextJob(leaving, 0).orElseThrow();
        scheduler.leave(leaving);
        String other = runner("1.0");
        assertThat(scheduler.nextJob(other, 0)).get().extracting(JobAssignment::jobId).isEqualTo(job.jobId());
        assertThat(scheduler.record(job.jobId(), passed(leaving, job))).isEqualTo(Scheduler.ResultStatus.IGNORED);
    }

    @Test
    void heartbeatsReconcileWhatTheRunnerRunsWithWhatItWasGiven() throws Exception {
        String r = runner("1.0");
        build("a", "b");
        JobAssignment kept = scheduler.nextJob(r, 0).orElseThrow();
        JobAssignment lostInTransit = scheduler.nextJob(r, 0).orElseThrow();

        // A job it runs but no longer holds must stop; a just-assigned job it does not report yet is left alone.
        assertThat(scheduler.heartbeat(r, List.of(kept.jobId(), 999L), 0).cancelJobs()).containsExactly(999L);
        String other = runner("1.0");
        assertThat(scheduler.nextJob(other, 0)).isEmpty();

        // Given long enough ago that it should be running, but the runner never got it: back to the queue.
        clock.now = clock.now.plus(Scheduler.RUNNER_LEASE).plusSeconds(1);
        scheduler.heartbeat(other, List.of(), 0);
        scheduler.heartbeat(r, List.of(kept.jobId()), 0);
        assertThat(scheduler.nextJob(other, 0)).get().extracting(JobAssignment::jobId).isEqualTo(lostInTransit.jobId());
    }

    @Test
    void failFastStopsTheBuildAtItsFirstFailure() throws Exception {
        String r = runner("1.0");
        BuildInfo build = build(true, "a", "b", "c");
        JobAssignment failing = scheduler.nextJob(r, 0).orElseThrow();
        JobAssignment other = scheduler.nextJob(r, 0).orElseThrow();
        JobResult failed = new JobResult(r, 1, 1, false, "F\n", 0.1, 0, "rspec", List.of(new FileResult(failing.files().get(0), 1, 1, 0, 0.1,
                List.of(new FileResult.Failure("./a:1", "a fails", "./a[1:1]")))));
        assertThat(scheduler.record(failing.jobId(), failed)).isEqualTo(Scheduler.ResultStatus.BUILD_OVER);
        assertThat(store.build(build.id()).status()).isEqualTo("failed");
        assertThat(scheduler.heartbeat(r, null, 0).cancelJobs()).containsExactly(other.jobId());
        assertThat(scheduler.nextJob(r, 0)).isEmpty();
    }

    @Test
    void instancesAreSharedFairlyBetweenBuilds() throws Exception {
        String r = runner("1.0");
        BuildInfo first = build("a1", "a2", "a3", "a4");
        BuildInfo second = build("b1", "b2", "b3", "b4");
        List<Long> servedBuilds = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) servedBuilds.add(scheduler.nextJob(r, 0).orElseThrow().buildId());
        assertThat(servedBuilds).containsExactly(first.id(), second.id(), first.id(), second.id());
    }

    @Test
    void aFailingExampleIsReRunOnAnotherRunnerAndPassingThenPassesTheBuild() throws Exception {
        String first = runner("1.0");
        String second = runner("1.0");
        BuildInfo build = buildWithRetries(1, "a");
        JobAssignment job = scheduler.nextJob(first, 0).orElseThrow();
        assertThat(scheduler.record(job.jobId(), failing(first, "a", "./a[1:1]"))).as("its re-run is still to come")
                .isEqualTo(Scheduler.ResultStatus.RECORDED);

        assertThat(scheduler.nextJob(first, 0)).as("the runner that failed it is avoided").isEmpty();
        JobAssignment rerun = scheduler.nextJob(second, 0).orElseThrow();
        assertThat(rerun.files()).containsExactly("./a[1:1]");
        assertThat(store.build(build.id()).status()).isEqualTo("running");
        scheduler.record(rerun.jobId(), passed(second, rerun));
        assertThat(store.build(build.id()).status()).isEqualTo("passed");
        assertThat(scheduler.events(build.id(), 0, 0).events()).extracting(BuildEvent::attempt).containsExactly(0, 1, 0);
    }

    @Test
    void anExampleThatKeepsFailingIsReRunAsOftenAsAskedAndFailsTheBuild() throws Exception {
        String only = runner("1.0");
        BuildInfo build = buildWithRetries(2, "a");
        for (int attempt = 0; attempt <= 2; attempt++) {
            JobAssignment job = scheduler.nextJob(only, 0).orElseThrow(); // no other runner: the same one re-runs it
            scheduler.record(job.jobId(), failing(only, "a", "./a[1:1]"));
        }
        assertThat(scheduler.nextJob(only, 0)).isEmpty();
        assertThat(store.build(build.id()).status()).isEqualTo("failed");
        assertThat(store.build(build.id()).jobs()).isEqualTo(3);
    }
}
