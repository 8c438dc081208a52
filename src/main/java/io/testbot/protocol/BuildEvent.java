package io.testbot.protocol;

/**
 * One entry of a build's event log, which requesters follow with {@code ?after=seq}.
 * Kinds: {@code job_finished} (carries the job's result, the files or example ids it ran, and its attempt: 0 for
 * the build's own jobs, n for the n-th re-run of failing examples) and {@code build_finished}.
 */
public record BuildEvent(long seq, String kind, Long jobId, String runner, JobResult result, BuildInfo build,
                         int attempt, java.util.List<String> jobFiles) {
    public static final String JOB_FINISHED = "job_finished";
    public static final String BUILD_FINISHED = "build_finished";
}
