package io.testbot.runner;

import io.testbot.protocol.FileEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * In place (local mode kept warm), the project changes under the workers booted ahead between runs: the user edits a
 * library the test helper loads, another tool's run rewrites a file. A build would then boot its workers anew and
 * wait for them. So, while no build runs, this looks at the project every second and compares it with what each
 * worker booted ahead on ({@link BootRecipe#misfit}, as a build would); a worker it no longer fits ends and another
 * boots on the project as it is, as Spring restarts an application after an edit. Only a change that held still from
 * one look to the next counts (an editor saving several files, a file written without end boot nothing), reboots
 * one after another back off, and the looks are spaced by what they cost: a large project's scan is not repeated
 * every second.
 */
final class InPlaceWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(InPlaceWatch.class);
    /** The shortest time between two looks. */
    static final long EVERY_MILLIS = 1_000;
    /** A look costs at most this share of the time between looks (of one core). */
    private static final int SCAN_SHARE = 20;
    /** The longest wait between two reboots that come one after another. */
    private static final long MAX_BACKOFF_MILLIS = 10 * 60_000;

    /** What the watch asks of the runner's workers ({@link InstanceWorkers}). */
    interface Workers {
        /** Whether some instance has a worker booted ahead in place, ready and unused, and none has a job in hand. */
        boolean bootedAheadInPlace();

        /** The instances whose worker booted ahead in place the project as it is now no longer fits, each with why. */
        Map<Integer, String> unfitInPlace(Map<String, FileEntry> now);

        /** Ends these instances' workers booted ahead, if still unused, and boots others on the project as it is now. */
        void bootAheadAgain(java.util.Set<Integer> instances);
    }

    /** The project in place ({@link InPlaceSnapshots}). */
    interface Project {
        java.nio.file.Path root();

        Map<String, FileEntry> now() throws IOException;
    }

    private final Workers workers;
    private final Project project;
    private final java.util.function.LongSupplier nanoTime;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "in-place-watch");
        thread.setDaemon(true);
        return thread;
    });
    /** The project as the last look that found a worker unfit saw it; null when that look found none. */
    private Map<String, FileEntry> unsettled;
    /**
     * Reboots with no look between them that found every worker fit wait twice as long each time: a boot that itself
     * writes a file of the project (a database, a cache) would otherwise boot again and again.
     */
    private long backoffMillis;
    private long notBeforeNanos;

    InPlaceWatch(Workers workers, Project project) {
        this(workers, project, System::nanoTime);
    }

    /** @param nanoTime the clock the back-off goes by */
    InPlaceWatch(Workers workers, Project project, java.util.function.LongSupplier nanoTime) {
        this.workers = workers;
        this.project = project;
        this.nanoTime = nanoTime;
        this.notBeforeNanos = nanoTime.getAsLong();
    }

    void start() {
        timer.schedule(this::lookAndReschedule, EVERY_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void lookAndReschedule() {
        long took = 0;
        try {
            took = look();
        } catch (IOException | RuntimeException e) {
            // A look cut short by close() (the runner stopping) is not worth a warning.
            if (!timer.isShutdown()) log.warn("could not compare {} with what its workers booted ahead on: {}", project.root(), e.toString());
        } finally {
            if (!timer.isShutdown()) {
                timer.schedule(this::lookAndReschedule, Math.max(EVERY_MILLIS, TimeUnit.NANOSECONDS.toMillis(took) * SCAN_SHARE), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** One look; returns what it cost (nanoseconds). */
    long look() throws IOException {
        if (!workers.bootedAheadInPlace()) {
            unsettled = null;
            return 0;
        }
        long start = System.nanoTime();
        Map<String, FileEntry> now = project.now();
        long took = System.nanoTime() - start;
        Map<Integer, String> unfit = workers.unfitInPlace(now);
        if (unfit.isEmpty()) {
            unsettled = null;
            backoffMillis = 0;
            notBeforeNanos = nanoTime.getAsLong();
        } else if (!now.equals(unsettled)) {
            unsettled = now; // changed since the last look: wait for it to hold still
        } else if (nanoTime.getAsLong() - notBeforeNanos >= 0) {
            unsettled = null;
            backoffMillis = backoffMillis == 0 ? 2 * EVERY_MILLIS : Math.min(2 * backoffMillis, MAX_BACKOFF_MILLIS);
            notBeforeNanos = nanoTime.getAsLong() + TimeUnit.MILLISECONDS.toNanos(backoffMillis);
            log.info("the project changed under the workers booted ahead of instance(s) {} ({}): they boot again", unfit.keySet(),
                    String.join("; ", unfit.values().stream().distinct().toList()));
            workers.bootAheadAgain(unfit.keySet());
        }
        return took;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
