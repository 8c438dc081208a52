package io.testbot.store;

import io.testbot.protocol.BuildEvent;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.BuildStatus;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.JobResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * What every store does, whatever its backend: each backend's test extends this and opens a new, empty store.
 */
abstract class StoreContractTest {
    /** A new, empty store; opened again on the same database by {@link #reopen}. */
    abstract Store open();

    Store store;
    private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    @BeforeEach
    void openStore() {
        store = open();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    /** The same database opened again, as a restarted server does. */
    Store reopen() {
        store.close();
        store = open();
        return store;
    }

    static BuildRequest request(String project, String adapter, List<String> files) {
        return new BuildRequest(project, adapter, files, List.of(), null, null, 0, "me", false, 0, 0, null);
    }

    /** A build of p's a_test.rb and b_test.rb (Test::Unit), a job each. */
    long twoTestJobBuild() {
        return store.createBuild(request("p", "test", List.of("a_test.rb", "b_test.rb")), List.of(List.of("a_test.rb"), List.of("b_test.rb")), now);
    }

    /** A build of p's a_spec.rb and b_spec.rb, a job each. */
    long twoJobBuild() {
        return store.createBuild(request("p", "rspec", List.of("a_spec.rb", "b_spec.rb")), List.of(List.of("a_spec.rb"), List.of("b_spec.rb")), now);
    }

    /** A result's report, from the arguments in the order the store once took them. */
    static Store.JobReport report(long build, long job, String project, String adapter, String runnerName, JobResult result, int attempt,
                                  List<String> files, Store.Retry retry, Instant at) {
        return new Store.JobReport(build, job, attempt, files, new Store.HistoryKey(project, adapter, false), runnerName, result, retry, at);
    }

    static JobResult passed(String runner, int instance, double seconds, String... files) {
        return new JobResult(runner, instance, 0, false, "", seconds, 0, "rspec",
                java.util.Arrays.stream(files).map(f -> new FileResult(f, 2, 0, 0, seconds / files.length, List.of())).toList());
    }

    @Test
    void aBuildsJobsGoFromQueuedToDoneWithNumberedEventsAndTheVerdictLast() {
        long build = twoJobBuild();
        assertThat(store.buildStatus(build)).isEqualTo(BuildStatus.RUNNING);
        assertThat(store.buildStatus(build + 1000)).isNull();
        List<Store.JobRow> jobs = store.jobs(build);
        assertThat(jobs).extracting(Store.JobRow::status).containsExactly(Store.JobStatus.QUEUED, Store.JobStatus.QUEUED);
        assertThat(jobs).extracting(Store.JobRow::files).containsExactly(List.of("a_spec.rb"), List.of("b_spec.rb"));

        store.jobStarted(jobs.get(0).id(), "runner-1", now);
        assertThat(store.jobs(build).get(0)).extracting(Store.JobRow::status, Store.JobRow::runnerId).containsExactly(Store.JobStatus.RUNNING, "runner-1");
        Store.Recorded first = store.recordJobResult(report(build, jobs.get(0).id(), "p", "rspec", "host", passed("runner-1", 1, 1.0, "a_spec.rb"), 0,
                List.of("a_spec.rb"), null, now));
        assertThat(first.event().seq()).isEqualTo(1);
        assertThat(first.retryJobId()).isNull();

        store.jobStarted(jobs.get(1).id(), "runner-1", now);
        store.jobRequeued(jobs.get(1).id());
        assertThat(store.jobs(build).get(1).status()).isEqualTo(Store.JobStatus.QUEUED);
        store.jobStarted(jobs.get(1).id(), "runner-2", now);
        Store.Recorded second = store.recordJobResult(report(build, jobs.get(1).id(), "p", "rspec", "host2", passed("runner-2", 1, 3.0, "b_spec.rb"), 0,
                List.of("b_spec.rb"), null, now));
        assertThat(second.event().seq()).isEqualTo(2);

        BuildEvent finished = store.finishBuild(build, BuildStatus.PASSED, now.plusSeconds(4));
        assertThat(finished.seq()).isEqualTo(3);
        assertThat(finished.build().status()).isEqualTo(BuildStatus.PASSED);
        assertThat(finished.build().jobsDone()).isEqualTo(2);
        assertThat(store.events(build, 0)).extracting(BuildEvent::kind).containsExactly(BuildEvent.JOB_FINISHED, BuildEvent.JOB_FINISHED, BuildEvent.BUILD_FINISHED);
        assertThat(store.events(build, 2)).extracting(BuildEvent::seq).containsExactly(3L);
        assertThat(store.events(build, 1).get(0).result().files()).extracting(FileResult::path).containsExactly("b_spec.rb");
        assertThat(store.buildsWithStatus(BuildStatus.RUNNING)).isEmpty();
        assertThat(store.recentBuilds(10)).extracting(b -> b.id()).containsExactly(build);
        assertThat(store.buildRequest(build).files()).containsExactly("a_spec.rb", "b_spec.rb");

        // Two instances on two runners ran it: 4 s of tests, the longest file 3 s.
        Store.BuildStats stats = store.buildStats(List.of(build)).get(build);
        assertThat(stats.instances()).isEqualTo(2);
        assertThat(stats.testSeconds()).isCloseTo(4.0, within(1e-9));
        assertThat(stats.longestFile()).isCloseTo(3.0, within(1e-9));
        assertThat(store.jobSpans(build)).extracting(Store.JobSpan::runnerId, Store.JobSpan::outcome).containsExactly(
                org.assertj.core.groups.Tuple.tuple("runner-1", "passed"), org.assertj.core.groups.Tuple.tuple("runner-2", "passed"));
        assertThat(store.runtimes("p", "rspec")).containsOnly(Map.entry("a_spec.rb", 1.0), Map.entry("b_spec.rb", 3.0));
    }

    @Test
    void aStoppedBuildCancelsItsUnfinishedJobsAndARetryIsAddedWithItsResult() {
        long build = twoJobBuild();
        List<Store.JobRow> jobs = store.jobs(build);
        store.jobStarted(jobs.get(0).id(), "runner-1", now);
        JobResult failing = new JobResult("runner-1", 1, 1, false, "", 1.0, 0, "rspec", List.of(new FileResult("a_spec.rb", 2, 1, 0, 1.0,
                List.of(new FileResult.Failure("a_spec.rb:3", "expected 1", "a_spec.rb[1:1]")))));
        Store.Recorded recorded = store.recordJobResult(report(build, jobs.get(0).id(), "p", "rspec", "host", failing, 0, List.of("a_spec.rb"),
                new Store.Retry(List.of("a_spec.rb[1:1]"), 1, "runner-1"), now));
        assertThat(recorded.retryJobId()).isNotNull();
        Store.JobRow retry = store.jobs(build).stream().filter(j -> j.id() == recorded.retryJobId()).findFirst().orElseThrow();
        assertThat(retry).extracting(Store.JobRow::files, Store.JobRow::attempt, Store.JobRow::avoidRunner, Store.JobRow::status)
                .containsExactly(List.of("a_spec.rb[1:1]"), 1, "runner-1", Store.JobStatus.QUEUED);
        assertThat(store.build(build).jobs()).isEqualTo(3);

        store.finishBuild(build, BuildStatus.CANCELLED, now);
        assertThat(store.jobs(build)).extracting(Store.JobRow::status).containsExactly(Store.JobStatus.DONE, Store.JobStatus.CANCELLED, Store.JobStatus.CANCELLED);
        assertThat(store.buildStatus(build)).isEqualTo(BuildStatus.CANCELLED);
    }

    @Test
    void runnersTokensAndRuntimesSurviveAReopen() {
        store.saveRunner(new Store.RunnerRow("r1", "host", "10.0.0.1", "1.0", 4, "/w", now, now, false));
        store.saveRunner(new Store.RunnerRow("r1", "host", "10.0.0.2", "1.1", 8, "/w", now, now, true, 2)); // registered again, --no-warm --jvms 2
        store.touchRunner("r1", now.plusSeconds(7));
        assertThat(store.addToken("ci", "user", "abc", now)).isTrue();
        assertThat(store.addToken("ci", "runner", "def", now)).as("a name is taken once").isFalse();
        store.recordRuntimes("p", "rspec", Map.of("a_spec.rb", 1.5), now);

        Store again = reopen();
        assertThat(again.runners()).singleElement().satisfies(r -> {
            assertThat(r.address()).isEqualTo("10.0.0.2");
            assertThat(r.instances()).isEqualTo(8);
            assertThat(r.lastSeenAt()).isEqualTo(now.plusSeconds(7));
            assertThat(r.processPerJob()).isTrue();
            assertThat(r.coreBound()).as("its JVMs at once").isEqualTo(2);
        });
        assertThat(again.tokenBySha256("abc")).extracting(Store.TokenRow::name, Store.TokenRow::role).containsExactly("ci", "user");
        assertThat(again.tokens()).extracting(Store.TokenRow::name).containsExactly("ci");
        assertThat(again.revokeToken("ci")).isTrue();
        assertThat(again.revokeToken("ci")).isFalse();
        assertThat(again.tokenBySha256("abc")).isNull();
        assertThat(again.runtimes("p", "rspec")).containsEntry("a_spec.rb", 1.5);
    }

    @Test
    void aFileIsPlannedFromSeveralBuildsNotTheLastOneAlone() {
        for (int build = 0; build < 4; build++) store.recordRuntimes("p", "rspec", Map.of("a_spec.rb", 1.0), now);
        assertThat(store.runtimes("p", "rspec")).containsEntry("a_spec.rb", 1.0);
        store.recordRuntimes("p", "rspec", Map.of("a_spec.rb", 2.5), now);
        assertThat(store.runtimes("p", "rspec").get("a_spec.rb")).isBetween(1.4, 2.0);
    }

    @Test
    void aJobThatPaidItsWorkersBootCountsAsAJobInAProcessOfItsOwn() {
        long build = twoTestJobBuild();
        List<Store.JobRow> jobs = store.jobs(build);
        // The instance's first job loaded the helper (1.5 s) in its new worker; the second forked from it.
        JobResult first = new JobResult("runner-1", 1, 0, false, "", 2.0, 0, "ruby a_test.rb",
                List.of(new FileResult("a_test.rb", 1, 0, 0, 0.4, List.of())), true);
        JobResult second = new JobResult("runner-1", 1, 0, false, "", 0.45, 0, "ruby b_test.rb",
                List.of(new FileResult("b_test.rb", 1, 0, 0, 0.4, List.of())), false);
        store.jobStarted(jobs.get(0).id(), "runner-1", now);
        store.recordJobResult(report(build, jobs.get(0).id(), "p", "test", "host", first, 0, List.of("a_test.rb"), null, now));
        assertThat(store.jobOverhead(warm("p", "test"))).isEmpty();
        assertThat(store.jobOverhead(new Store.HistoryKey("p", "test", true)).getAsDouble()).isCloseTo(1.6, within(1e-9));
        store.jobStarted(jobs.get(1).id(), "runner-1", now);
        store.recordJobResult(report(build, jobs.get(1).id(), "p", "test", "host", second, 0, List.of("b_test.rb"), null, now));
        assertThat(store.jobOverhead(warm("p", "test")).getAsDouble()).isCloseTo(0.05, within(1e-9));
        assertThat(store.runtimes("p", "test")).containsOnly(Map.entry("a_test.rb", 0.4), Map.entry("b_test.rb", 0.4));
    }

    @Test
    void whatStartingAJobCostsIsKeptApartForRunnersThatStartAProcessPerJob() {
        long build = twoTestJobBuild();
        List<Store.JobRow> jobs = store.jobs(build);
        // A warm worker's second job: 0.05 s beyond its file. A --no-warm runner's job: it booted the helper, 1.5 s.
        JobResult warm = new JobResult("runner-1", 1, 0, false, "", 0.45, 0, "ruby a_test.rb",
                List.of(new FileResult("a_test.rb", 1, 0, 0, 0.4, List.of())));
        JobResult ownProcess = new JobResult("runner-2", 1, 0, false, "", 1.9, 0, "ruby b_test.rb",
                List.of(new FileResult("b_test.rb", 1, 0, 0, 0.4, List.of())));
        store.jobStarted(jobs.get(0).id(), "runner-1", now);
        store.recordJobResult(new Store.JobReport(build, jobs.get(0).id(), 0, List.of("a_test.rb"), warm("p", "test"), "one", warm, null, now));
        store.jobStarted(jobs.get(1).id(), "runner-2", now);
        store.recordJobResult(new Store.JobReport(build, jobs.get(1).id(), 0, List.of("b_test.rb"),
                new Store.HistoryKey("p", "test", true), "two", ownProcess, null, now));

        assertThat(store.jobOverhead(warm("p", "test")).getAsDouble()).isCloseTo(0.05, within(1e-9));
        assertThat(store.jobOverhead(new Store.HistoryKey("p", "test", true)).getAsDouble()).isCloseTo(1.5, within(1e-9));
        assertThat(reopen().jobOverhead(new Store.HistoryKey("p", "test", true)).getAsDouble()).isCloseTo(1.5, within(1e-9));
    }

    static Store.HistoryKey warm(String project, String adapter) {
        return new Store.HistoryKey(project, adapter, false);
    }

    @Test
    void aRehearsedResultLeavesNothingBehind() {
        long build = twoJobBuild();
        List<Store.JobRow> jobs = store.jobs(build);
        store.jobStarted(jobs.get(0).id(), "runner-1", now);

        ((Store.Rehearsal) store).rehearseResult(build, jobs.get(0).id(), "p", "rspec", List.of("a_spec.rb"));

        assertThat(store.build(build).status()).isEqualTo(BuildStatus.RUNNING);
        assertThat(store.jobs(build)).extracting(Store.JobRow::status).containsExactly(Store.JobStatus.RUNNING, Store.JobStatus.QUEUED);
        assertThat(store.events(build, 0)).isEmpty();
        assertThat(store.runtimes("p", "rspec")).isEmpty();
        assertThat(store.jobOverhead(warm("p", "rspec"))).isEmpty();
        // The real result that follows is numbered and recorded as if there had been no rehearsal.
        Store.Recorded recorded = store.recordJobResult(report(build, jobs.get(0).id(), "p", "rspec", "host", passed("runner-1", 1, 1.0, "a_spec.rb"), 0,
                List.of("a_spec.rb"), null, now));
        assertThat(recorded.event().seq()).isEqualTo(1);
        assertThat(store.runtimes("p", "rspec")).containsOnly(Map.entry("a_spec.rb", 1.0));
        assertThat(store.jobs(build)).extracting(Store.JobRow::status).containsExactly(Store.JobStatus.DONE, Store.JobStatus.QUEUED);
    }

    /** Two builds of one project whose results land at once, their files in opposite orders: all of them land. */
    @Test
    void resultsOfTwoBuildsOfOneProjectRecordedAtOnceAllLand() throws Exception {
        int jobs = 100;
        List<String> files = new java.util.ArrayList<>();
        List<List<String>> forward = new java.util.ArrayList<>();
        List<List<String>> backward = new java.util.ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            files.add("a" + i + "_spec.rb");
            files.add("b" + i + "_spec.rb");
            forward.add(List.of("a" + i + "_spec.rb", "b" + i + "_spec.rb"));
            backward.add(List.of("b" + (jobs - 1 - i) + "_spec.rb", "a" + (jobs - 1 - i) + "_spec.rb"));
        }
        long one = store.createBuild(request("p", "rspec", files), forward, now);
        long two = store.createBuild(request("p", "rspec", files), backward, now);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (long build : List.of(one, two)) {
                done.add(pool.submit(() -> {
                    for (Store.JobRow job : store.jobs(build)) {
                        store.jobStarted(job.id(), "runner-" + build, now);
                        store.recordJobResult(report(build, job.id(), "p", "rspec", "host", passed("runner-" + build, 1, 0.5, job.files().toArray(String[]::new)),
                                0, job.files(), null, now));
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> each : done) each.get();
        } finally {
            pool.shutdownNow();
        }
        for (long build : List.of(one, two)) {
            assertThat(store.events(build, 0)).extracting(BuildEvent::seq).hasSize(jobs).doesNotHaveDuplicates();
        }
        assertThat(store.runtimes("p", "rspec")).hasSize(2 * jobs);
    }

    /**
     * A job has one result: a second one is not recorded, and a start or a hand-back written late (the scheduler
     * writes them off its lock, in order but after the fact) never undoes a result or a cancellation.
     */
    @Test
    void aJobsResultIsRecordedOnceAndALateStartDoesNotUndoIt() {
        long build = twoJobBuild();
        List<Store.JobRow> jobs = store.jobs(build);
        long first = jobs.get(0).id();
        store.jobStarted(first, "runner-1", now);
        assertThat(store.recordJobResult(report(build, first, "p", "rspec", "host", passed("runner-1", 1, 1.0, "a_spec.rb"), 0, List.of("a_spec.rb"), null, now))).isNotNull();

        store.jobStarted(first, "runner-2", now); // a late write
        store.jobRequeued(first);
        assertThat(store.recordJobResult(report(build, first, "p", "rspec", "host2", passed("runner-2", 1, 2.0, "a_spec.rb"), 0, List.of("a_spec.rb"), null, now)))
                .as("a second result of the job").isNull();
        assertThat(store.jobs(build).get(0)).extracting(Store.JobRow::status, Store.JobRow::runnerId).containsExactly(Store.JobStatus.DONE, "runner-1");
        assertThat(store.events(build, 0)).hasSize(1);
        assertThat(store.runtimes("p", "rspec")).containsOnly(Map.entry("a_spec.rb", 1.0));

        store.finishBuild(build, BuildStatus.CANCELLED, now);
        store.jobStarted(jobs.get(1).id(), "runner-1", now); // started as it was cancelled
        assertThat(store.jobs(build).get(1).status()).isEqualTo(Store.JobStatus.CANCELLED);
    }

    /** Job starts, hand-backs and runners seen, written together: each job's own in the order they came, none over a result. */
    @Test
    void progressWrittenTogetherKeepsEachJobsOrderAndNeverUndoesAResult() {
        long build = twoJobBuild();
        List<Store.JobRow> jobs = store.jobs(build);
        long first = jobs.get(0).id();
        long second = jobs.get(1).id();
        store.saveRunner(new Store.RunnerRow("runner-1", "host", "127.0.0.1", "1.0", 2, "/w", now, now, false, 2));
        store.jobStarted(first, "runner-1", now);
        store.recordJobResult(report(build, first, "p", "rspec", "host", passed("runner-1", 1, 1.0, "a_spec.rb"), 0, List.of("a_spec.rb"), null, now));

        Instant later = now.plusSeconds(7);
        store.recordProgress(List.of(
                new Store.RunnerSeen("runner-1", later),
                new Store.JobStarted(second, "runner-1", now),
                new Store.JobStarted(first, "runner-2", now), // late: the job has its result
                new Store.JobRequeued(second),
                new Store.JobStarted(second, "runner-2", later)));
        assertThat(store.jobs(build)).extracting(Store.JobRow::status, Store.JobRow::runnerId).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Store.JobStatus.DONE, "runner-1"), org.assertj.core.groups.Tuple.tuple(Store.JobStatus.RUNNING, "runner-2"));
        assertThat(store.runners()).singleElement().extracting(Store.RunnerRow::lastSeenAt).isEqualTo(later);
    }

    /** Results recorded together are written in one transaction, each as alone: all of them, in order, or none. */
    @Test
    void resultsRecordedTogetherLandInOrderOrNotAtAll() {
        long build = twoJobBuild();
        List<Store.JobRow> jobs = store.jobs(build);
        long first = jobs.get(0).id();
        long second = jobs.get(1).id();
        store.jobStarted(first, "runner-1", now);
        store.jobStarted(second, "runner-2", now);

        // The second's re-run names a build that is not there: the store refuses it, and the first's result with it.
        Store.Retry retryOfNoBuild = new Store.Retry(List.of("b_spec.rb[1:1]"), 1, "runner-2");
        assertThatThrownBy(() -> store.recordJobResults(List.of(
                report(build, first, "p", "rspec", "host", passed("runner-1", 1, 1.0, "a_spec.rb"), 0, List.of("a_spec.rb"), null, now),
                report(build + 1000, second, "p", "rspec", "host2", passed("runner-2", 1, 2.0, "b_spec.rb"), 0, List.of("b_spec.rb"), retryOfNoBuild, now))))
                .isInstanceOf(RuntimeException.class);
        assertThat(store.jobs(build)).extracting(Store.JobRow::status).containsExactly(Store.JobStatus.RUNNING, Store.JobStatus.RUNNING);
        assertThat(store.events(build, 0)).isEmpty();
        assertThat(store.runtimes("p", "rspec")).isEmpty();

        assertThat(store.recordJobResult(report(build, first, "p", "rspec", "host", passed("runner-1", 1, 1.0, "a_spec.rb"), 0, List.of("a_spec.rb"), null, now)))
                .isNotNull();
        List<Store.Recorded> recorded = store.recordJobResults(List.of(
                report(build, second, "p", "rspec", "host2", passed("runner-2", 1, 2.0, "b_spec.rb"), 0, List.of("b_spec.rb"), null, now),
                report(build, first, "p", "rspec", "host3", passed("runner-3", 1, 3.0, "a_spec.rb"), 0, List.of("a_spec.rb"), null, now)));
        assertThat(recorded).hasSize(2);
        assertThat(recorded.get(0).event().seq()).isEqualTo(2);
        assertThat(recorded.get(1)).as("a second result of a job").isNull();
        assertThat(store.jobs(build)).extracting(Store.JobRow::status).containsExactly(Store.JobStatus.DONE, Store.JobStatus.DONE);
        assertThat(store.runtimes("p", "rspec")).containsOnly(Map.entry("a_spec.rb", 1.0), Map.entry("b_spec.rb", 2.0));
    }

    @Test
    void oldFinishedBuildsGoWhileRunningOnesAndTheLastOfEachProjectStay() {
        long old = store.createBuild(request("p", "rspec", List.of("old_spec.rb")), List.of(List.of("old_spec.rb")), now.minusSeconds(100));
        store.finishBuild(old, BuildStatus.PASSED, now.minusSeconds(90));
        long running = store.createBuild(request("p", "rspec", List.of("running_spec.rb")), List.of(List.of("running_spec.rb")), now.minusSeconds(80));
        long recent = store.createBuild(request("q", "rspec", List.of("q_spec.rb")), List.of(List.of("q_spec.rb")), now);
        store.finishBuild(recent, BuildStatus.FAILED, now);

        assertThat(store.requestsOfLastBuilds(1)).flatExtracting(BuildRequest::files).containsExactlyInAnyOrder("running_spec.rb", "q_spec.rb");
        assertThat(store.deleteBuildsFinishedBefore(now.minusSeconds(10))).isEqualTo(1);
        assertThat(store.build(old)).isNull();
        assertThat(store.events(old, 0)).isEmpty();
        assertThat(store.build(running)).isNotNull();
        assertThat(store.build(recent)).isNotNull();
    }
}
