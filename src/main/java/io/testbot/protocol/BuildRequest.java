package io.testbot.protocol;

import java.util.List;
import java.util.Map;

/**
 * What a requester submits.
 *
 * @param project     a key naming the project (and its copy in every runner's work dir)
 * @param adapter     the framework, e.g. "rspec"
 * @param files       the test files to run, relative to the project root
 * @param options     extra options for the framework's command
 * @param beforeRun   a shell command each runner runs once before its first job of the build, or null
 * @param manifest    the project snapshot; null when the runner works in place (local mode)
 * @param jobSize     how many files go in one job (0: balanced by the server)
 * @param failFast    stop the build at its first failure
 * @param jobTimeout  seconds after which a job is stopped and reported as errored (0: no limit)
 * @param retryFailed how many times to re-run failing examples, on another runner where there is one
 * @param sizes       the test files' sizes in bytes, which order a build with no runtime history: sent for in-place
 *                    builds (a manifest carries them otherwise); null for none
 * @param environment variables of the requester's that the framework reads (rspec's SPEC_OPTS, say: see
 *                    {@code Adapter.requesterEnvironment}), for its jobs; null for none
 * @param patterns    the globs that found the test files (the framework's own, or the user's --pattern): what a
 *                    runner counts as a test file when it decides whether a worker booted ahead may run the build;
 *                    null for the framework's own
 */
public record BuildRequest(String project, String adapter, List<String> files, List<String> options,
                           String beforeRun, List<FileEntry> manifest, int jobSize, String requestedBy,
                           boolean failFast, int jobTimeout, int retryFailed, Map<String, Long> sizes,
                           Map<String, String> environment, List<String> patterns) {
    public BuildRequest(String project, String adapter, List<String> files, List<String> options,
                        String beforeRun, List<FileEntry> manifest, int jobSize, String requestedBy,
                        boolean failFast, int jobTimeout, int retryFailed, Map<String, Long> sizes, Map<String, String> environment) {
        this(project, adapter, files, options, beforeRun, manifest, jobSize, requestedBy, failFast, jobTimeout, retryFailed, sizes, environment, null);
    }

    public BuildRequest(String project, String adapter, List<String> files, List<String> options,
                        String beforeRun, List<FileEntry> manifest, int jobSize, String requestedBy,
                        boolean failFast, int jobTimeout, int retryFailed, Map<String, Long> sizes) {
        this(project, adapter, files, options, beforeRun, manifest, jobSize, requestedBy, failFast, jobTimeout, retryFailed, sizes, null, null);
    }

    /** The same request, sent by someone else (the server's record of a named token). */
    public BuildRequest withRequestedBy(String who) {
        return new BuildRequest(project, adapter, files, options, beforeRun, manifest, jobSize, who, failFast, jobTimeout, retryFailed, sizes, environment, patterns);
    }
}
