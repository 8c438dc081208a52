package io.testbot.store;

import io.testbot.protocol.BuildEvent;
import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.JobResult;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything the server keeps across restarts, behind one interface: SQLite embedded (the default) or PostgreSQL,
 * chosen by URL ({@link Stores}).
 */
public interface Store extends AutoCloseable {
    /**
     * @param processPerJob        it starts a process per job (--no-warm), see {@link io.testbot.protocol.Runners.Registration}
     * @param coreBoundInstances   its --jvms: at most so many of its instances run JUnit's JVMs at once; 0: all of them
     */
    record RunnerRow(String id, String hostname, String address, String version, int instances, String workDir,
                     Instant registeredAt, Instant lastSeenAt, boolean processPerJob, int coreBoundInstances) {
        public RunnerRow(String id, String hostname, String address, String version, int instances, String workDir,
                         Instant registeredAt, Instant lastSeenAt, boolean processPerJob) {
            this(id, hostname, address, version, instances, workDir, registeredAt, lastSeenAt, processPerJob, 0);
        }

        /** How many jobs of a framework whose processes are bound to cores it runs at once. */
        public int coreBound() {
            return coreBoundInstances > 0 ? Math.min(coreBoundInstances, instances) : instances;
        }
    }

    /**
     * Whose history a job's result feeds: its project's and framework's, and for the cost of starting a job, also
     * whether its runner starts a process per job (paying the framework's boot each time) or keeps warm workers. A
     * warm worker's first job, which booted the worker, counts as a job in a process of its own.
     */
    record HistoryKey(String project, String adapter, boolean processPerJob) {}

    /** Where a job is: waiting for an instance, on one, reported, or dropped with its build. */
    enum JobStatus {
        QUEUED, RUNNING, DONE, CANCELLED;

        /** As the store writes it. */
        public String column() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static JobStatus of(String column) {
            return valueOf(column.toUpperCase(java.util.Locale.ROOT));
        }
    }

    record JobRow(long id, long buildId, List<String> files, JobStatus status, String runnerId, JobResult result,
                  int attempt, String avoidRunner) {}

    /**
     * A job's result as the store records it: the build and job it belongs to, which attempt it was and the files it
     * ran, the project's history it feeds, the runner's name for the event, and the re-run it queues, if any.
     */
    record JobReport(long buildId, long jobId, int attempt, List<String> files, HistoryKey history,
                     String runnerName, JobResult result, Retry retry, Instant at) {}

    /**
     * What a finished build's tests took, for its ratio to the ideal: their seconds in all, its longest file, and
     * how many runner instances ran its jobs.
     */
    record BuildStats(double testSeconds, double longestFile, int instances) {
        /** The best any schedule on those instances could do: max(seconds / instances, longest file). */
        public double idealSeconds() {
            return Math.max(testSeconds / Math.max(1, instances), longestFile);
        }
    }

    /** One job on its build's timeline: where it ran (runner id and instance, once it reported), when, and how it ended. */
    record JobSpan(long jobId, int attempt, String runnerId, int instance, Instant startedAt, Instant finishedAt, String status,
                   String outcome, List<String> files) {}

    /** A named token: its name, its role (admin, user, runner) and when it was made; never the token. */
    record TokenRow(String name, String role, Instant createdAt) {}

    /** A job that re-runs failing examples: what it runs, which attempt it is, the runner it should avoid. */
    record Retry(List<String> files, int attempt, String avoidRunner) {}

    /** A recorded result: its event, and the id of the retry job queued with it, if any. */
    record Recorded(BuildEvent event, Long retryJobId) {}

    void saveRunner(RunnerRow runner);

    void touchRunner(String runnerId, Instant seenAt);

    List<RunnerRow> runners();

    /** Creates the build and its jobs (one per group of files); returns the build id. */
    long createBuild(BuildRequest request, List<List<String>> jobFiles, Instant createdAt);

    BuildInfo build(long id);

    BuildRequest buildRequest(long id);

    /** A build's status alone (cheaper than {@link #build}, which counts its jobs), or null when there is no such build. */
    String buildStatus(long id);

    List<BuildInfo> recentBuilds(int limit);

    List<BuildInfo> buildsWithStatus(String status);

    /**
     * Ends a build in one transaction: jobs not done are marked cancelled, the status is set and a build_finished
     * event carrying the final build is appended and returned. A crash cannot leave a finished build without it.
     */
    BuildEvent finishBuild(long id, String status, Instant finishedAt);

    List<JobRow> jobs(long buildId);

    void jobStarted(long jobId, String runnerId, Instant startedAt);

    void jobRequeued(long jobId);

    /** What the scheduler writes after the fact, off its lock: a job started or handed back, a runner seen. */
    sealed interface Progress permits JobStarted, JobRequeued, RunnerSeen {}

    record JobStarted(long jobId, String runnerId, Instant at) implements Progress {}

    record JobRequeued(long jobId) implements Progress {}

    record RunnerSeen(String runnerId, Instant at) implements Progress {}

    /**
     * Writes them in one transaction, each as {@link #jobStarted}, {@link #jobRequeued} or {@link #touchRunner}
     * would: a busy farm's job starts would otherwise be a commit each. A job's own writes keep their order.
     */
    void recordProgress(List<Progress> progress);

    /**
     * Records a job's result in one transaction: the job done, its files' results, their runtimes and the job's
     * start-up overhead (unless the job errored) and a job_finished event, which is returned numbered. A crash
     * leaves all of it or none. With a retry, the job that re-runs the failing examples is added too. Returns null,
     * writing nothing, when the job already has a result or was cancelled.
     */
    Recorded recordJobResult(JobReport report);

    /**
     * Records jobs' results as {@link #recordJobResult} does, one after another in their order, in one transaction
     * (one commit for all: a busy build's results arrive faster than one commit each allows). Returns a
     * {@link Recorded} for each, null where that one wrote nothing. Should any fail, none is written. Given in the
     * order of their jobs' ids, as {@link #recordProgress} takes jobs' rows: two writers that lock rows in one order
     * cannot deadlock (PostgreSQL).
     */
    List<Recorded> recordJobResults(List<JobReport> reports);

    /**
     * A store that can rehearse a result: run the statements of recording a job's result, of finishing its build
     * and of reading the events back, in one transaction that it rolls back. Nothing changes, but their first run in
     * this process (SQLite's preparing, the JSON of results and events, cold code) no longer falls between a build's
     * last result and its summary. Not a domain operation: a warm-up the server asks of the stores that offer it.
     */
    interface Rehearsal {
        void rehearseResult(long buildId, long jobId, String project, String adapter, List<String> jobFiles);
    }

    void recordRuntimes(String project, String adapter, Map<String, Double> secondsByPath, Instant at);

    Map<String, Double> runtimes(String project, String adapter);

    /** The measured cost of starting a job on this project in this mode (seconds), if any job has been measured. */
    java.util.OptionalDouble jobOverhead(HistoryKey key);

    List<BuildEvent> events(long buildId, long afterSeq);

    /**
     * Deletes the builds that finished before the cutoff, with their jobs, file results and events, in one
     * transaction; the runtime history they fed stays. Returns how many builds went.
     */
    int deleteBuildsFinishedBefore(Instant cutoff);

    Map<Long, BuildStats> buildStats(List<Long> buildIds);

    List<JobSpan> jobSpans(long buildId);

    /** Adds a named token, kept as its SHA-256; false when the name is taken. */
    boolean addToken(String name, String role, String sha256, Instant at);

    List<TokenRow> tokens();

    /** Removes a named token; false when there is none by that name. */
    boolean revokeToken(String name);

    /** The named token whose SHA-256 this is, or null. */
    TokenRow tokenBySha256(String sha256);

    /** The requests of running builds and of each project's last `perProject` builds: the files still wanted. */
    List<BuildRequest> requestsOfLastBuilds(int perProject);

    /** Whether this process still holds its claim (its database session lives); a store only it uses always does. */
    default boolean holdsDispatch() {
        return true;
    }

    /**
     * Makes this process the one server that hands out this store's jobs, if no other does now; true once it is.
     * A store only this process uses (SQLite) says so at once; a shared one (PostgreSQL) holds the claim as long as
     * this process's session lasts, so that a server that dies lets another, standing by, take over.
     */
    default boolean claimDispatch() {
        return true;
    }

    /** Records where the server that holds the dispatch claim answers (its base URL), for the others to send it requests. */
    default void announceDispatcher(String address) {}

    /** The base URL the server that dispatches announced, or null (none, or a store only this process uses). */
    default String dispatcherAddress() {
        return null;
    }

    @Override
    void close();
}
