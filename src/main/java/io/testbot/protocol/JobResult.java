package io.testbot.protocol;

import java.util.List;

/**
 * What a runner reports when a job ends.
 *
 * @param errored true when the job could not produce structured results (load error, crash, before_run failure)
 */
public record JobResult(String runnerId, int exitCode, boolean errored, String output, double seconds,
                        String command, List<FileResult> files) {}
