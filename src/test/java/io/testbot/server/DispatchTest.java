package io.testbot.server;

import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.JobAssignment;
import io.testbot.store.SqliteStore;
import io.testbot.store.Store;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The dispatch room alone, over the registry and the active builds it shares with the others (no ledger, no
 * leases): parked requests, who gets a queued job first, and a job handed back.
 */
class DispatchTest {
    @TempDir
    Path dir;
    SqliteStore store;
    SchedulerContext context;
    Active active = new Active();
    RunnerRegistry runners;
    Dispatch dispatch;

    @BeforeEach
    void setUp() {
        store = new SqliteStore(dir.resolve("db.sqlite"));
        context = new SchedulerContext(store, Clock.systemUTC(), "1.0", SchedulerEvents.NONE);
        runners = new RunnerRegistry(context.clock, "1.0", context.threads);
        dispatch = new Dispatch(context, active, runners);
    }

    @AfterEach
    void tearDown() {
        context.threads.close();
        store.close();
    }

    RunnerRegistry.RunnerState runner(String id) {
        Instant now = context.clock.instant();
        RunnerRegistry.RunnerState runner = new RunnerRegistry.RunnerState(new Store.RunnerRow(id, id, "127.0.0.1", "1.0", 2, "/w", now, now, false), now);
        runners.add(id, runner);
        return runner;
    }

    /** A build of one job per file, queued as the ledger queues it. */
    void queue(long buildId, String... files) {
        BuildRequest request = new BuildRequest("p", "rspec", List.of(files), List.of(), null, null, 0, "me", false, 0, 0, null);
        Active.Build build = new Active.Build(buildId, request, files.length, CompletableFuture.completedFuture(null));
        active.builds.put(buildId, build);
        context.lock.lock();
        try {
            for (int i = 0; i < files.length; i++) {
                long jobId = buildId * 100 + i;
                active.jobs.put(jobId, new Active.Job(jobId, buildId, List.of(files[i]), 0, null));
                dispatch.enqueue(buildId, jobId, null);
            }
            dispatch.toWaiting();
        } finally {
            context.lock.unlock();
        }
    }

    @Test
    void aQueuedJobGoesToTheInstanceThatWaitedLongestAndAHandedBackJobIsNextInLine() throws Exception {
        runner("a");
        runner("b");
        CompletableFuture<Optional<JobAssignment>> first = dispatch.nextJobAsync("b", 1, 60_000);
        CompletableFuture<Optional<JobAssignment>> second = dispatch.nextJobAsync("a", 1, 60_000);
        assertThat(context.locked(dispatch::parked)).isEqualTo(2);

        queue(1, "x_spec.rb");
        await().until(first::isDone);
        assertThat(first.get()).get().extracting(JobAssignment::files).isEqualTo(List.of("x_spec.rb"));
        assertThat(second).isNotDone();
        assertThat(active.builds.get(1L).running).isEqualTo(1);

        // a takes another build's job; then b is lost: its job goes back to the front of its build's line.
        queue(2, "y_spec.rb");
        await().until(second::isDone);
        assertThat(second.get()).get().extracting(JobAssignment::files).isEqualTo(List.of("y_spec.rb"));
        context.lock.lock();
        try {
            active.jobs.put(101L, new Active.Job(101, 1, List.of("z_spec.rb"), 0, null)); // a re-run, say, behind it
            active.builds.get(1L).remainingJobs++;
            dispatch.enqueue(1, 101, null);
            dispatch.handBack(runners.get("b"), 100);
        } finally {
            context.lock.unlock();
        }
        assertThat(active.jobs.get(100L).runnerId).isNull();
        assertThat(active.builds.get(1L).running).isZero();
        assertThat(dispatch.nextJobAsync("a", 2, 0).get()).get().extracting(JobAssignment::jobId).isEqualTo(100L);
    }

    @Test
    void aRunnerOfAnotherVersionIsRefusedAndAWaitThatRunsOutEndsEmpty() throws Exception {
        Instant now = context.clock.instant();
        runners.add("old", new RunnerRegistry.RunnerState(new Store.RunnerRow("old", "old", "127.0.0.1", "0.9", 1, "/w", now, now, false), now));
        assertThatThrownBy(() -> dispatch.nextJobAsync("old", 1, 0)).isInstanceOf(Scheduler.OutdatedRunnerException.class);
        runner("a");
        CompletableFuture<Optional<JobAssignment>> waiting = dispatch.nextJobAsync("a", 1, 50);
        await().until(waiting::isDone);
        assertThat(waiting.get()).isEmpty();
        assertThat(context.locked(dispatch::parked)).isZero();
    }
}
