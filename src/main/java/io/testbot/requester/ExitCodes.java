package io.testbot.requester;

/** The requester's exit statuses. */
public final class ExitCodes {
    private ExitCodes() {}

    public static final int PASSED = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int INFRASTRUCTURE = 3;
}
