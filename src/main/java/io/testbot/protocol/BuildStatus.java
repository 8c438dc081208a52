package io.testbot.protocol;

/** The states of a build. */
public final class BuildStatus {
    private BuildStatus() {}

    public static final String RUNNING = "running";
    public static final String PASSED = "passed";
    public static final String FAILED = "failed";
    public static final String CANCELLED = "cancelled";

    public static boolean isFinal(String status) {
        return !RUNNING.equals(status);
    }
}
