package io.testbot.protocol;

/** Runner registration, heartbeat and result-reply messages. */
public final class Runners {
    private Runners() {}

    /**
     * @param processPerJob the runner starts a process per job (--no-warm): every job pays the framework's boot, where
     *                      a runner with warm workers pays it once per instance and build. The server keeps the two
     *                      modes' job start-up costs apart and plans a build with its runners' mode.
     */
    public record Registration(String hostname, String version, int instances, String workDir, boolean processPerJob, int jvms) {
        /** A runner with warm workers. */
        public Registration(String hostname, String version, int instances, String workDir) {
            this(hostname, version, instances, workDir, false, 0);
        }
    }

    public record Registered(String runnerId, String serverVersion, boolean upToDate) {}

    /** A heartbeat: the jobs the runner is running, so both sides agree on who holds what. */
    /**
     * @param running the jobs the runner holds
     * @param note    what the runner wants its operator to know, shown with it (why it cannot update itself), or null
     */
    public record Heartbeat(java.util.List<Long> running, String note) {
        public Heartbeat(java.util.List<Long> running) {
            this(running, null);
        }
    }

    /** Heartbeat reply: the jobs of this runner that must be stopped now (cancelled, or no longer its own). */
    public record HeartbeatReply(java.util.List<Long> cancelJobs, boolean known) {}

    /**
     * Reply to a job's result: whether its build is over (finished or stopped), so its workers can end; and the
     * instance's next job, when it asked for one with its result and one was queued (null otherwise): a busy farm
     * then makes one request per job, not two.
     */
    public record ResultReply(boolean buildOver, JobAssignment next) {
        public ResultReply(boolean buildOver) {
            this(buildOver, null);
        }
    }
}
