package io.testbot.runner;

import io.testbot.protocol.JobAssignment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The processes of the jobs a runner runs, by job: each job's own, and those running files other instances took
 * over from it ({@link SharedJobs}); each stopped at its job's timeout, or when the job is cancelled (or given to
 * another runner), and all of them when the runner stops. What a job's run asks afterwards is whether either
 * happened to it.
 */
final class JobProcesses {
    private static final Logger log = LoggerFactory.getLogger(JobProcesses.class);

    private final Map<Long, Process> running = new ConcurrentHashMap<>();
    private final Map<Long, Set<Process>> helping = new ConcurrentHashMap<>();
    private final Set<Long> cancelled = ConcurrentHashMap.newKeySet();
    private final Set<Long> timedOut = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "runner-job-timeouts");
        t.setDaemon(true);
        return t;
    });

    /** The one timer thread, for the runner's other periodic chores (the workspace's sweep). */
    ScheduledExecutorService timers() {
        return timers;
    }

    /** Registers the job's process for cancellation, and stops it at the job's timeout if it has one. */
    ScheduledFuture<?> watch(JobAssignment job, Process process) {
        running.put(job.jobId(), process);
        if (job.timeoutSeconds() <= 0) return null;
        return timers.schedule(() -> {
            timedOut.add(job.jobId());
            log.warn("job {}: stopped after {} s (job timeout)", job.jobId(), job.timeoutSeconds());
            ProcessGroups.kill(process);
        }, job.timeoutSeconds(), TimeUnit.SECONDS);
    }

    /** The job's own process is done. */
    void finished(long jobId) {
        running.remove(jobId);
    }

    /** The jobs whose own process runs. */
    Set<Long> runningJobs() {
        return running.keySet();
    }

    /**
     * Registers a process that runs files taken over from the job: stopped with it (at once if it was cancelled
     * already) and at its timeout. The returned handle must be closed once the process has done.
     */
    Helping helping(JobAssignment job, Process process) {
        helping.computeIfAbsent(job.jobId(), id -> ConcurrentHashMap.newKeySet()).add(process);
        ScheduledFuture<?> timeout = job.timeoutSeconds() <= 0 ? null : timers.schedule(() -> ProcessGroups.kill(process), job.timeoutSeconds(), TimeUnit.SECONDS);
        if (cancelled.contains(job.jobId())) ProcessGroups.kill(process);
        return () -> {
            if (timeout != null) timeout.cancel(false);
            helping.computeIfPresent(job.jobId(), (id, processes) -> {
                processes.remove(process);
                return processes.isEmpty() ? null : processes;
            });
        };
    }

    /** A process registered as running files taken over from a job, until closed. */
    interface Helping extends AutoCloseable {
        @Override
        void close();
    }

    boolean wasCancelled(long jobId) {
        return cancelled.contains(jobId);
    }

    boolean hasTimedOut(long jobId) {
        return timedOut.contains(jobId);
    }

    /** Whether the job was cancelled, forgetting it: asked once, when its run is over. */
    boolean takeCancelled(long jobId) {
        return cancelled.remove(jobId);
    }

    /** Whether the job was stopped at its timeout, forgetting it: asked once, when its run is over. */
    boolean takeTimedOut(long jobId) {
        return timedOut.remove(jobId);
    }

    /**
     * Stops running jobs' processes (and those running files taken over from them): they were cancelled, or given to
     * another runner. A job of this runner without a process yet is marked so that it starts none (its run asks
     * {@link #wasCancelled} before it does). Every job is marked before any process stops: a job waiting for the JVM
     * another of them holds must not take it as that one ends.
     *
     * @param ours whether a job is this runner's, started or not
     */
    void cancel(java.util.Collection<Long> jobIds, java.util.function.LongPredicate ours) {
        Set<Long> marked = new java.util.HashSet<>();
        for (long jobId : jobIds) if ((running.containsKey(jobId) || ours.test(jobId)) && cancelled.add(jobId)) marked.add(jobId);
        for (long jobId : jobIds) {
            Process process = running.get(jobId);
            if (process == null) {
                if (marked.contains(jobId)) log.info("job {}: cancelled (or given to another runner) before its process started", jobId);
                continue;
            }
            log.info("job {}: stopping its processes (cancelled, or given to another runner)", jobId);
            ProcessGroups.kill(process);
            helping.getOrDefault(jobId, Set.of()).forEach(ProcessGroups::kill);
        }
    }

    /** Stops every running job (they are reported as cancelled, which is to say not at all) and the timers. */
    void stopAll() {
        running.keySet().forEach(cancelled::add);
        running.values().forEach(ProcessGroups::kill);
        helping.values().forEach(processes -> processes.forEach(ProcessGroups::kill));
        timers.shutdownNow();
    }
}
