package io.testbot.requester;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A resolved requester run (flags over environment over .testbot.yml).
 *
 * @param server        null for local mode
 * @param instances     local mode: how many jobs at once (0: CPU count)
 * @param filesPerJob   0: let the server balance
 * @param runnerTimeout how long a build may wait with no runner before the requester gives up
 * @param jobTimeout    seconds after which a job is stopped (0: no limit)
 * @param localFallback run the build on this machine when no runner takes it within runnerTimeout
 * @param dryRun        print the expected wall time from history instead of running
 * @param retryFailed   how many times to re-run failing examples
 * @param split         split files that history shows to be slow into parts that run apart
 * @param junitXml      where to write the merged JUnit XML report, or null
 * @param jsonReport    where to write the build's result as JSON, or null
 * @param classpath     a JVM build's test classpath (junit), or null
 * @param warm          local mode: run an instance's jobs in one warm framework process where the framework can
 * @param bundleExec    run a Ruby framework under `bundle exec` (true) or not (false); null: when the project has a
 *                      Gemfile and its lock file (see Bundling)
 * @param keepWarm      local mode: run through the project's local mode kept warm in the background (see KeptWarm)
 */
public record RequesterConfig(Path projectRoot, String adapter, String server, String token, int instances,
                              List<String> patterns, List<String> paths, List<String> options, String beforeRun,
                              List<String> ignores, int filesPerJob, Duration runnerTimeout, Path cacheDir,
                              boolean failFast, int jobTimeout, boolean localFallback, boolean dryRun,
                              int retryFailed, boolean split, Path junitXml, Path jsonReport,
                              List<Path> classpath, boolean warm, Boolean bundleExec, boolean keepWarm) {

    /** The same run in local mode. */
    public RequesterConfig locally() {
        return new RequesterConfig(projectRoot, adapter, null, null, instances, patterns, paths, options, beforeRun, ignores,
                filesPerJob, runnerTimeout, cacheDir, failFast, jobTimeout, false, dryRun, retryFailed, split, junitXml, jsonReport, classpath, warm,
                bundleExec, false);
    }
}
