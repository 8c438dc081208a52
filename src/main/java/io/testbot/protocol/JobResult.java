package io.testbot.protocol;

import java.util.List;

/**
 * What a runner reports when a job ends.
 *
 * @param instance the runner's instance that ran it (1 has TEST_ENV_NUMBER "", n > 1 has "n")
 * @param errored  true when the job could not produce structured results (load error, crash, before_run failure)
 * @param seconds  how long the job's process ran
 * @param setupSeconds time spent before it on syncing the project and before_run
 * @param bootedWorker the job ran in a warm worker that booted for it (the framework, the project's helper): the
 *                     instance's later jobs do not pay that, so the job's time beyond its files' is what starting a
 *                     job in a process of its own costs (--no-warm), not what starting one in the worker costs
 */
public record JobResult(String runnerId, int instance, int exitCode, boolean errored, String output, double seconds,
                        double setupSeconds, String command, List<FileResult> files, boolean bootedWorker) {

    /** A job that paid no worker's boot (in a process of its own, or a warm worker that had run a job before). */
    public JobResult(String runnerId, int instance, int exitCode, boolean errored, String output, double seconds,
                     double setupSeconds, String command, List<FileResult> files) {
        this(runnerId, instance, exitCode, errored, output, seconds, setupSeconds, command, files, false);
    }

    /** The re-run ids of the examples that failed. */
    public java.util.Set<String> failedIds() {
        java.util.Set<String> ids = new java.util.HashSet<>();
        files.forEach(f -> f.failed().forEach(failure -> ids.add(failure.rerunId())));
        return ids;
    }

    /** How the job ended, in a word: errored (no complete results), failed (a test failed or a file did not load), or passed. */
    public String outcome() {
        if (incomplete()) return "errored";
        return files.stream().anyMatch(f -> f.failures() > 0 || !f.failed().isEmpty() || f.error() != null) ? "failed" : "passed";
    }

    /**
     * No complete results: the job errored, or it exited non-zero without a failing example, or a file that failed
     * to load, to show for it.
     */
    public boolean incomplete() {
        return errored || (exitCode != 0 && files.stream().allMatch(f -> f.failed().isEmpty() && f.error() == null));
    }
}
