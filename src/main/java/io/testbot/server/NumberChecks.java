package io.testbot.server;

import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.JobResult;
import io.testbot.protocol.Runners;

/**
 * The ranges of the numbers clients send: a number out of range is refused with a message naming it, never
 * clamped into something the client did not ask for, nor allowed to overflow a sum (instances) or poison the
 * runtime history (a NaN or negative duration).
 */
final class NumberChecks {
    private NumberChecks() {}

    /** More instances than any one computer runs at once. */
    static final int MAX_INSTANCES = 4096;
    static final int MAX_JOB_SIZE = 100_000;
    /** A week. */
    static final int MAX_JOB_TIMEOUT_SECONDS = 7 * 24 * 3600;
    static final int MAX_RETRIES = 10;
    /** A month: longer than any job a runner keeps running. */
    static final double MAX_SECONDS = 31 * 24 * 3600.0;
    static final int MAX_TESTS_PER_FILE = 100_000_000;

    static void registration(Runners.Registration registration) {
        between("instances", registration.instances(), 1, MAX_INSTANCES);
        between("jvms", registration.jvms(), 0, MAX_INSTANCES);
    }

    static void build(BuildRequest request) {
        between("jobSize", request.jobSize(), 0, MAX_JOB_SIZE);
        between("jobTimeout", request.jobTimeout(), 0, MAX_JOB_TIMEOUT_SECONDS);
        between("retryFailed", request.retryFailed(), 0, MAX_RETRIES);
    }

    static void result(JobResult result) {
        between("instance", result.instance(), 1, MAX_INSTANCES);
        seconds("seconds", result.seconds());
        seconds("setupSeconds", result.setupSeconds());
        for (FileResult file : result.files()) {
            if (file.path() == null || file.path().isBlank()) throw new ApiErrors.BadRequest("a file result has no path");
            for (FileResult.Failure failure : file.failed()) {
                if (failure == null || failure.rerunId() == null) throw new ApiErrors.BadRequest("a failure of " + file.path() + " has neither a location nor an id");
            }
            if (file.cases().stream().anyMatch(java.util.Objects::isNull)) throw new ApiErrors.BadRequest("a test case of " + file.path() + " is null");
            between("examples", file.examples(), 0, MAX_TESTS_PER_FILE);
            between("failures", file.failures(), 0, MAX_TESTS_PER_FILE);
            between("pending", file.pending(), 0, MAX_TESTS_PER_FILE);
            seconds("seconds of " + file.path(), file.seconds());
            for (Integer count : file.counts().values()) if (count == null || count < 0) throw new ApiErrors.BadRequest("counts of " + file.path() + " must be numbers of 0 or more");
        }
    }

    private static void between(String name, long value, long min, long max) {
        if (value < min || value > max) throw new ApiErrors.BadRequest(name + " must be between " + min + " and " + max + " (was " + value + ")");
    }

    private static void seconds(String name, double value) {
        if (!(value >= 0 && value <= MAX_SECONDS)) throw new ApiErrors.BadRequest(name + " must be a number of seconds from 0 to " + (long) MAX_SECONDS + " (was " + value + ")");
    }
}
