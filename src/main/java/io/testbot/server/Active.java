package io.testbot.server;

import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.BuildTally;
import io.testbot.store.Store;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/** The scheduler's view of the builds that run and their jobs not finished; used under the scheduler's lock. */
final class Active {
    private Active() {
    }

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
        /** Ended (finished or stopped): no more results are recorded. */
        boolean over;

        /** Its manifest as JSON, once a runner has asked for it. */
        private byte[] manifestJson;

        Build(long id, BuildRequest request, int remainingJobs) {
            this.id = id;
            this.request = request;
            this.remainingJobs = remainingJobs;
        }

        synchronized byte[] manifestJson() throws com.fasterxml.jackson.core.JsonProcessingException {
            if (manifestJson == null) manifestJson = Active.manifestJson(request);
            return manifestJson;
        }
    }


    /** A build's manifest as JSON (an empty list for an in-place build). */
    static byte[] manifestJson(BuildRequest request) throws com.fasterxml.jackson.core.JsonProcessingException {
        return io.testbot.protocol.Json.MAPPER.writeValueAsBytes(request.manifest() == null ? List.of() : request.manifest());
    }
}
