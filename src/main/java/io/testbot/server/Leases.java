package io.testbot.server;

import io.testbot.protocol.Runners;
import io.testbot.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * What runners tell the server and when they lose their jobs: registration, heartbeats (which renew a runner's lease,
 * square the jobs it runs with those it was given, and wait, parked, for jobs of it to stop), leaving, and leases
 * that run out. A job a runner loses goes back to the queue through {@link Dispatch#handBack}.
 */
final class Leases {
    private static final Logger log = LoggerFactory.getLogger(Leases.class);

    private final SchedulerContext context;
    private final Active active;
    private final RunnerRegistry runners;
    private final Dispatch dispatch;

    Leases(SchedulerContext context, Active active, RunnerRegistry runners, Dispatch dispatch) {
        this.context = context;
        this.active = active;
        this.runners = runners;
        this.dispatch = dispatch;
    }

    Runners.Registered register(Runners.Registration registration, String address) {
        Instant now = context.clock.instant();
        String id = UUID.randomUUID().toString();
        Store.RunnerRow row = new Store.RunnerRow(id, registration.hostname(), address, registration.version(),
                Math.max(1, registration.instances()), registration.workDir(), now, now, registration.processPerJob(),
                registration.jvms());
        context.store.saveRunner(row);
        context.lock.lock();
        try {
            runners.add(id, new RunnerRegistry.RunnerState(row, now));
            boolean upToDate = context.version.equals(registration.version());
            log.info("runner {} registered: {} ({}), {} instance(s), version {}{}", id, row.hostname(), address, row.instances(),
                    row.version(), upToDate ? "" : " -- OUTDATED, it gets no jobs");
            context.changed();
            return new Runners.Registered(id, context.version, upToDate);
        } finally {
            context.lock.unlock();
        }
    }

    /**
     * Renews the runner's lease, reconciles the jobs it says it runs (null: it does not say) with those the server
     * gave it, and replies when a job of it must stop or the wait runs out, parked without a thread meanwhile.
     */
    CompletableFuture<Runners.HeartbeatReply> heartbeatAsync(String runnerId, List<Long> running, String note, long waitMillis) {
        context.lock.lock();
        try {
            RunnerRegistry.RunnerState runner = runners.get(runnerId);
            if (runner == null) return CompletableFuture.completedFuture(new Runners.HeartbeatReply(List.of(), false));
            boolean wasLive = runners.isLive(runner, context.clock.instant());
            runners.touch(runner);
            if (!java.util.Objects.equals(runner.note, note)) {
                runner.note = note;
                context.changed();
            }
            runner.left = false;
            if (running != null) reconcile(runner, running);
            CompletableFuture<Runners.HeartbeatReply> reply = runners.park(runner, waitMillis, context.closing);
            if (!wasLive) {
                context.changed();
                dispatch.toWaiting(); // its parked job requests may take work again
            }
            return reply;
        } finally {
            context.lock.unlock();
        }
    }

    /**
     * A job the runner runs but no longer holds (requeued while it was cut off, or cancelled) must stop there;
     * a job the server gave it long enough ago that it should have started, but that it does not run (the answer
     * was lost, say in a server crash), goes back to the queue.
     */
    private void reconcile(RunnerRegistry.RunnerState runner, List<Long> reported) {
        Set<Long> reportedSet = new HashSet<>(reported);
        for (Long jobId : reportedSet) if (!runner.running.contains(jobId)) runner.cancels.add(jobId);
        Instant now = context.clock.instant();
        for (Long jobId : List.copyOf(runner.running)) {
            Active.Job job = active.jobs.get(jobId);
            if (!reportedSet.contains(jobId) && job != null && job.assignedAt != null && !job.recording
                    && Duration.between(job.assignedAt, now).compareTo(Scheduler.RUNNER_LEASE) > 0) {
                log.warn("runner {} ({}) does not hold job {} it was given; requeued", runner.row.id(), runner.row.hostname(), jobId);
                dispatch.handBack(runner, jobId);
            }
        }
    }

    /** A runner shutting down gracefully: its jobs go back to the queue now rather than when its lease runs out. */
    void leave(String runnerId) {
        context.lock.lock();
        try {
            RunnerRegistry.RunnerState runner = runners.get(runnerId);
            if (runner == null) return;
            runner.left = true;
            List<Long> held = List.copyOf(runner.running);
            held.forEach(jobId -> dispatch.handBack(runner, jobId));
            log.info("runner {} ({}) left; {} job(s) requeued", runnerId, runner.row.hostname(), held.size());
            context.changed();
        } finally {
            context.lock.unlock();
        }
    }

    /** Gives the jobs of runners whose lease ran out back to the queue. Called every second. */
    void expire() {
        context.lock.lock();
        try {
            Instant now = context.clock.instant();
            for (RunnerRegistry.RunnerState runner : runners.all()) {
                if (runner.running.isEmpty() || runners.isLive(runner, now)) continue;
                List<Long> lost = List.copyOf(runner.running);
                lost.forEach(jobId -> dispatch.handBack(runner, jobId));
                log.warn("runner {} ({}) not heard from for {} s: {} job(s) requeued", runner.row.id(), runner.row.hostname(),
                        Scheduler.RUNNER_LEASE.toSeconds(), lost.size());
                context.changed();
            }
        } finally {
            context.lock.unlock();
        }
    }
}
