package io.testbot.protocol;

import java.util.List;

/**
 * A job handed to a runner instance: the files to run and how; timeoutSeconds 0 means no limit. queueDrained: no
 * other job of its build was waiting when this one was handed out, so the build's workers can end once idle (only a
 * job handed back by a lost runner, or a re-run of failures, would come after it). environment: the requester's
 * variables that the framework reads (see {@link BuildRequest#environment}), never null. patterns: the globs
 * that found the build's test files (see {@link BuildRequest#patterns}), empty for the framework's own.
 */
public record JobAssignment(long jobId, long buildId, String project, String adapter, List<String> files,
                            List<String> options, String beforeRun, boolean inPlace, int timeoutSeconds, boolean queueDrained,
                            java.util.Map<String, String> environment, List<String> patterns) {
    public JobAssignment {
        environment = environment == null ? java.util.Map.of() : environment;
        patterns = patterns == null ? List.of() : patterns;
    }

    public JobAssignment(long jobId, long buildId, String project, String adapter, List<String> files,
                         List<String> options, String beforeRun, boolean inPlace, int timeoutSeconds, boolean queueDrained,
                         java.util.Map<String, String> environment) {
        this(jobId, buildId, project, adapter, files, options, beforeRun, inPlace, timeoutSeconds, queueDrained, environment, null);
    }

    /** The same job with other entries (some of its own). */
    public JobAssignment withFiles(List<String> entries) {
        return new JobAssignment(jobId, buildId, project, adapter, entries, options, beforeRun, inPlace, timeoutSeconds, queueDrained, environment, patterns);
    }
}
