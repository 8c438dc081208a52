package io.testbot.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.ToIntFunction;

/**
 * The jobs waiting for an instance, in a line per build, and the fair choice between builds: the next job goes to
 * the build with the fewest jobs running now (the earlier build on a tie), its first job in line, unless that job
 * re-runs examples that this runner failed and another runner could take it. Taking a job costs the number of
 * builds queued, not the number of jobs. It has no lock of its own: the {@link Scheduler} calls it under its lock.
 */
final class JobQueue {
    /** A queued job, and the runner that should not run it (the one that failed its examples), or null. */
    record Queued(long jobId, String avoidRunner) {}

    /** Each build's line, in the order the builds came. */
    private final Map<Long, Deque<Queued>> lines = new LinkedHashMap<>();
    private int size;

    /** Puts a job at the end of its build's line. */
    void addLast(long buildId, long jobId, String avoidRunner) {
        lines.computeIfAbsent(buildId, id -> new ArrayDeque<>()).addLast(new Queued(jobId, avoidRunner));
        size++;
    }

    /** Puts a job at the head of its build's line: it was handed back, or re-runs failures, and should not wait again. */
    void addFirst(long buildId, long jobId, String avoidRunner) {
        lines.computeIfAbsent(buildId, id -> new ArrayDeque<>()).addFirst(new Queued(jobId, avoidRunner));
        size++;
    }

    /** Drops every queued job of a build (it was stopped); returns how many there were. */
    int dropBuild(long buildId) {
        Deque<Queued> line = lines.remove(buildId);
        int dropped = line == null ? 0 : line.size();
        size -= dropped;
        return dropped;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /**
     * Takes the next job for a runner, or returns null when none may go to it.
     *
     * @param runningOf    how many jobs of a build run now
     * @param othersUsable whether another runner could take a job this one should avoid (asked only when it matters)
     */
    Long take(String runnerId, ToIntFunction<Long> runningOf, BooleanSupplier othersUsable) {
        if (size == 0) return null;
        List<Long> builds = new ArrayList<>(lines.keySet());
        if (builds.size() > 1) builds.sort(Comparator.comparingInt(runningOf)); // stable: the earlier build on a tie
        Boolean avoid = null;
        for (Long buildId : builds) {
            Deque<Queued> line = lines.get(buildId);
            for (Iterator<Queued> it = line.iterator(); it.hasNext(); ) {
                Queued job = it.next();
                if (runnerId.equals(job.avoidRunner())) {
                    if (avoid == null) avoid = othersUsable.getAsBoolean();
                    if (avoid) continue; // a re-run goes to another runner
                }
                it.remove();
                size--;
                if (line.isEmpty()) lines.remove(buildId);
                return job.jobId();
            }
        }
        return null;
    }
}
