package io.testbot.server;

import io.testbot.protocol.RunnerInfo;
import io.testbot.protocol.Runners;
import io.testbot.store.Store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The runners the server knows and their leases: who is live (heard from within {@link Scheduler#RUNNER_LEASE}, or
 * parked in a heartbeat now), who may take jobs (live and of the server's version), what they hold. It has no lock
 * of its own: the {@link Scheduler} calls it under its lock.
 */
final class RunnerRegistry {
    /** One runner as the scheduler sees it. */
    static final class RunnerState {
        Store.RunnerRow row;
        Instant lastSeen;
        Instant lastStored;
        /** Heartbeats parked here: the runner is there now, whatever lastSeen says. */
        final List<ParkedHeartbeat> heartbeats = new ArrayList<>(1);
        boolean left;
        /** The jobs it holds, and those it must stop (told with its next heartbeat). */
        final Set<Long> running = new HashSet<>();
        final Set<Long> cancels = new java.util.LinkedHashSet<>();
        /** Its log was told it is outdated. */
        boolean told;
        /** What it says for its operator (why it does not update itself). */
        String note;

        RunnerState(Store.RunnerRow row, Instant lastSeen) {
            this.row = row;
            this.lastSeen = lastSeen;
            this.lastStored = lastSeen;
        }
    }

    /** A heartbeat parked until a job of its runner must stop or its wait runs out. */
    static final class ParkedHeartbeat {
        final java.util.concurrent.CompletableFuture<Runners.HeartbeatReply> reply;
        java.util.concurrent.ScheduledFuture<?> timeout;

        ParkedHeartbeat(java.util.concurrent.CompletableFuture<Runners.HeartbeatReply> reply) {
            this.reply = reply;
        }
    }

    private final Map<String, RunnerState> runners = new LinkedHashMap<>();
    private final Clock clock;
    private final String version;

    private final SchedulerThreads threads;

    RunnerRegistry(Clock clock, String version, SchedulerThreads threads) {
        this.threads = threads;
        this.clock = clock;
        this.version = version;
    }

    void add(String id, RunnerState runner) {
        runners.put(id, runner);
    }

    RunnerState get(String id) {
        return runners.get(id);
    }

    Collection<RunnerState> all() {
        return runners.values();
    }

    /** Renews its lease; stores when it was last seen every few seconds (for the page and a restart), not each time. */
    void touch(RunnerState runner) {
        Instant now = clock.instant();
        runner.lastSeen = now;
        if (Duration.between(runner.lastStored, now).toSeconds() >= 5) {
            // Written later, off the scheduler's lock: it is only for the status page and a restart.
            threads.later(new Store.RunnerSeen(runner.row.id(), now));
            runner.lastStored = now;
        }
    }

    /**
     * A heartbeat's reply: at once when the runner has jobs to stop (or must not wait), else parked until a job of it
     * must stop or the wait runs out.
     */
    java.util.concurrent.CompletableFuture<Runners.HeartbeatReply> park(RunnerState runner, long waitMillis, boolean closing) {
        var reply = new java.util.concurrent.CompletableFuture<Runners.HeartbeatReply>();
        if (!runner.cancels.isEmpty() || waitMillis <= 0 || closing) {
            reply.complete(new Runners.HeartbeatReply(takeCancels(runner), true));
            return reply;
        }
        ParkedHeartbeat parked = new ParkedHeartbeat(reply);
        runner.heartbeats.add(parked);
        parked.timeout = threads.expireAfter(waitMillis, () -> {
            if (runner.heartbeats.remove(parked)) threads.settle(reply, new Runners.HeartbeatReply(takeCancels(runner), true));
        });
        return reply;
    }

    /** Tells the runner, at once if a heartbeat of it is parked here, to stop these jobs (in one reply). */
    void cancelOnRunner(RunnerState runner, java.util.Collection<Long> jobIds) {
        runner.cancels.addAll(jobIds);
        if (!runner.heartbeats.isEmpty()) answerHeartbeats(runner);
    }

    /** Answers every parked heartbeat (the server is stopping). */
    void releaseHeartbeats() {
        for (RunnerState runner : runners.values()) answerHeartbeats(runner);
    }

    private void answerHeartbeats(RunnerState runner) {
        List<Long> cancels = takeCancels(runner);
        for (ParkedHeartbeat parked : runner.heartbeats) {
            parked.timeout.cancel(false);
            threads.settle(parked.reply, new Runners.HeartbeatReply(cancels, true));
        }
        runner.heartbeats.clear();
    }

    private static List<Long> takeCancels(RunnerState runner) {
        List<Long> cancels = List.copyOf(runner.cancels);
        runner.cancels.clear();
        return cancels;
    }

    boolean isLive(RunnerState runner, Instant now) {
        if (runner.left) return false;
        return !runner.heartbeats.isEmpty() || Duration.between(runner.lastSeen, now).compareTo(Scheduler.RUNNER_LEASE) < 0;
    }

    /** Live and of the server's version: it may take jobs. */
    boolean usable(RunnerState runner, Instant now) {
        return isLive(runner, now) && version.equals(runner.row.version());
    }

    int liveRunners() {
        Instant now = clock.instant();
        return (int) runners.values().stream().filter(r -> usable(r, now)).count();
    }

    int liveInstances() {
        Instant now = clock.instant();
        return runners.values().stream().filter(r -> usable(r, now)).mapToInt(r -> r.row.instances()).sum();
    }

    /**
     * The instances of live runners that run a build of this framework's jobs at once: for a framework whose
     * processes are bound to cores (JUnit), as many as each runner runs such processes at once (its --jvms).
     */
    int liveInstancesFor(String adapter) {
        if (!io.testbot.adapters.Adapters.find(adapter).map(io.testbot.adapters.Adapter::processesBoundToCores).orElse(false)) return liveInstances();
        Instant now = clock.instant();
        return runners.values().stream().filter(r -> usable(r, now)).mapToInt(r -> r.row.coreBound()).sum();
    }

    /**
     * Whether most instances that may take jobs now start a process per job (--no-warm): a build is planned with
     * what starting a job costs in that mode.
     */
    boolean mostlyProcessPerJob() {
        Instant now = clock.instant();
        int perJob = 0, warm = 0;
        for (RunnerState r : runners.values()) {
            if (!usable(r, now)) continue;
            if (r.row.processPerJob()) perJob += r.row.instances();
            else warm += r.row.instances();
        }
        return perJob > warm;
    }

    /** Idle instances of live, up-to-date runners. */
    int availableInstances() {
        Instant now = clock.instant();
        return runners.values().stream().filter(r -> usable(r, now)).mapToInt(r -> Math.max(0, r.row.instances() - r.running.size())).sum();
    }

    List<RunnerInfo> infos() {
        Instant now = clock.instant();
        List<RunnerInfo> result = new ArrayList<>();
        for (RunnerState r : runners.values()) {
            result.add(new RunnerInfo(r.row.id(), r.row.hostname(), r.row.address(), r.row.version(), r.row.instances(),
                    r.running.size(), isLive(r, now), version.equals(r.row.version()), r.lastSeen, r.note));
        }
        return result;
    }
}
