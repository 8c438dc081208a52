package io.testbot.server;

import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.BuildTally;
import io.testbot.store.Store;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The scheduler's view of the builds that run and their jobs not finished, by id; used under the scheduler's lock.
 * The rooms of the scheduler (dispatch, the ledger, leases, events) share it.
 */
final class Active {
    final java.util.Map<Long, Job> jobs = new java.util.HashMap<>();
    final java.util.Map<Long, Build> builds = new java.util.HashMap<>();

    static final class Job {
        final long id;
        final long buildId;
        final List<String> files;
        /** 0 for the build's own jobs, n for the n-th re-run of failing examples. */
        final int attempt;
        /** The runner that failed these examples: another one should re-run them, if there is one. */
        final String avoidRunner;
        String runnerId;
        /** The runner's instance that runs it, as the runner said (0: unsaid). */
        int instance;
        Instant assignedAt;
        /** Its result is being written: it is neither handed back nor cancelled meanwhile. */
        boolean recording;

        Job(long id, long buildId, List<String> files, int attempt, String avoidRunner) {
            this.id = id;
            this.buildId = buildId;
            this.files = files;
            this.attempt = attempt;
            this.avoidRunner = avoidRunner;
        }

        Job(Store.JobRow row) {
            this(row.id(), row.buildId(), row.files(), row.attempt(), row.avoidRunner());
        }
    }

    static final class Build {
        final long id;
        final BuildRequest request;
        /** Jobs not finished: those running and those queued. */
        int remainingJobs;
        /** Jobs of this build on runners now: the build with the fewest is served first. */
        int running;
        /** What its jobs' results add up to, for its verdict. */
        final BuildTally tally = new BuildTally();
        long lastSeq;

        /**
         * Held while its results and its end are written to the store, outside the scheduler's lock: one at a time,
         * in order (taken before the scheduler's lock, never while holding it).
         */
        final ReentrantLock writes = new ReentrantLock();
        /** Results that wait for the writes, to be recorded in one transaction by whichever thread holds them next. */
        final java.util.concurrent.ConcurrentLinkedQueue<ResultRecorder.PendingResult> waitingResults = new java.util.concurrent.ConcurrentLinkedQueue<>();
        /** Ended (finished or stopped): no more results are recorded. */
        boolean over;

        /** Its manifest as runners fetch it: made in the background from when the build arrives. */
        private final CompletableFuture<BuildManifest> manifest;

        Build(long id, BuildRequest request, int remainingJobs) {
            this(id, request, remainingJobs, manifestOf(request));
        }

        Build(long id, BuildRequest request, int remainingJobs, CompletableFuture<BuildManifest> manifest) {
            this.id = id;
            this.request = request;
            this.remainingJobs = remainingJobs;
            this.manifest = manifest;
        }

        BuildManifest manifest() {
            return manifest.join();
        }
    }

    /**
     * Starts making a build's manifest as runners will fetch it (its digest: a sort and a hash of every entry, tens of
     * milliseconds for 10,000 files), so that it is ready, or nearly, when the first runner asks.
     */
    static CompletableFuture<BuildManifest> manifestOf(BuildRequest request) {
        return CompletableFuture.supplyAsync(() -> BuildManifest.of(request));
    }

}
