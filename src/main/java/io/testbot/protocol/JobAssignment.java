package io.testbot.protocol;

import java.util.List;

/** A job handed to a runner instance: the files to run and how; timeoutSeconds 0 means no limit. */
public record JobAssignment(long jobId, long buildId, String project, String adapter, List<String> files,
                            List<String> options, String beforeRun, boolean inPlace, int timeoutSeconds) {}
