package io.testbot.server;

/**
 * What happens to jobs and builds in the {@link Scheduler}, for those that count it (the server's metrics). Called
 * under the scheduler's lock: a listener only counts, it does no I/O.
 */
public interface SchedulerEvents {
    /** A job's result was recorded; outcome is {@link io.testbot.protocol.JobResult#outcome()}. */
    default void jobFinished(String outcome, double seconds) {}

    /** A job went back to the queue (its runner was lost, or left). */
    default void jobRequeued() {}

    /** Jobs of a stopped build were dropped or told to stop. */
    default void jobsCancelled(int jobs) {}

    /** A build ended with this status (passed, failed, cancelled). */
    default void buildFinished(String status) {}

    SchedulerEvents NONE = new SchedulerEvents() {};
}
