package io.testbot.protocol;

/** Runner registration and heartbeat messages. */
public final class Runners {
    private Runners() {}

    public record Registration(String hostname, String version, int instances, String workDir) {}

    public record Registered(String runnerId, String serverVersion, boolean upToDate) {}

    /** Heartbeat reply: the jobs of this runner that must be stopped now (cancelled builds). */
    public record HeartbeatReply(java.util.List<Long> cancelJobs, boolean known) {}
}
