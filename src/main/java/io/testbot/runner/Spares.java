package io.testbot.runner;

import io.testbot.adapters.Adapter;
import io.testbot.adapters.Adapters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A runner's spare workers: framework workers booted ahead, outside any project and any instance, up to one per
 * instance. An instance's first job of a build takes one (see {@link WarmWorker#bind}) instead of booting the
 * framework; an instance that finds itself idle boots the next. They are of the framework the runner last ran with
 * a worker. They boot one at a time, each once the one before is ready, so that booting them takes one core at
 * most, not the whole machine just as the next build (or its requester, on the same machine) starts. Local mode
 * boots its first before its embedded server starts, so rspec boots meanwhile, and boots no more: its runner ends
 * with its one build.
 */
public final class Spares {
    private static final Logger log = LoggerFactory.getLogger(Spares.class);

    private final Path tools;
    private final int instances;
    private final boolean replenish;
    private final Queue<WarmWorker> pool = new ConcurrentLinkedQueue<>();
    /** Frameworks whose spares cannot start here (no worker, no ruby, or one ended before it was used). */
    private final Set<String> unavailable = ConcurrentHashMap.newKeySet();
    private volatile String adapter;
    private volatile boolean closed;
    /** Boots queued or being started, not yet in the pool. */
    private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.ThreadPoolExecutor booter = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0,
            java.util.concurrent.TimeUnit.MILLISECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "spare-booter");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param workDir   the runner's work dir (spares start in its tools directory, outside any project)
     * @param instances the runner's instance count: at most this many spares
     * @param adapter   the framework to boot spares of until the runner runs another; null for none yet
     * @param replenish whether idle instances boot more (a runner that outlives its builds)
     */
    public Spares(Path workDir, int instances, String adapter, boolean replenish) {
        this.tools = workDir.resolve("tools");
        this.instances = instances;
        this.adapter = adapter;
        this.replenish = replenish;
    }

    /** Queues boots until there are, or will be, this many spares (at most one per instance). */
    public synchronized Spares boot(int count) {
        while (pool.size() + pending.get() < Math.min(count, instances)) queueBoot();
        return this;
    }

    /** Whether an idle instance should boot a spare. */
    boolean wanted() {
        String name = adapter;
        if (!replenish || closed || name == null || unavailable.contains(name)) return false;
        for (WarmWorker spare : pool) {
            if (!spare.process().isAlive() && pool.remove(spare) && unavailable.add(spare.adapter())) {
                // It ended before any build used it (rspec missing, say): booting more would fail the same way.
                log.warn("a spare {} worker exited with status {} before it was used; jobs will boot their own", spare.adapter(), spare.process().exitValue());
                return false;
            }
        }
        return pool.size() + pending.get() < instances;
    }

    /** Queues one more boot, if there are fewer than one spare per instance. */
    synchronized void bootIfWanted() {
        if (wanted()) queueBoot();
    }

    private void queueBoot() {
        pending.incrementAndGet();
        try {
            booter.execute(() -> {
                WarmWorker spare;
                try {
                    spare = bootOne();
                } finally {
                    pending.decrementAndGet(); // in the pool now, or given up
                }
                // The next boot waits for this one (a spare that never gets ready is not waited for long).
                if (spare != null) spare.awaitBooted(WarmWorker.BOOT_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
            });
        } catch (java.util.concurrent.RejectedExecutionException closedMeanwhile) {
            pending.decrementAndGet();
        }
    }

    private WarmWorker bootOne() {
        String name = adapter;
        Adapter framework = name == null ? null : Adapters.find(name).orElse(null);
        if (framework == null || unavailable.contains(name) || closed) return null;
        try {
            List<String> command = framework.workerCommand(tools);
            if (command == null) {
                unavailable.add(name);
                return null;
            }
            ProcessBuilder builder = new ProcessBuilder(ProcessGroups.inNewGroup(command)).directory(tools.toFile()).redirectErrorStream(true);
            // Its instance's TEST_ENV_NUMBER comes when it is bound; nothing it loads before then reads it.
            JobEnvironment.apply(builder, "", instances);
            WarmWorker spare = WarmWorker.startSpare(builder, name);
            pool.add(spare);
            if (closed) close(); // close() may have missed it
            return spare;
        } catch (IOException e) {
            unavailable.add(name);
            log.info("cannot boot spare {} workers ({}); jobs will boot their own", name, e.getMessage());
            return null;
        }
    }

    /**
     * A spare, bound to this build's directory with this environment and held for its job; null when there is
     * none of this framework. From now on, spares are booted for this framework (others are ended).
     */
    WarmWorker take(String framework, long buildId, Path root, Map<String, String> env) {
        adapter = framework;
        // A build is starting: boots not begun yet would take CPU from its jobs. Idle instances ask again later.
        List<Runnable> dropped = new ArrayList<>();
        booter.getQueue().drainTo(dropped);
        pending.addAndGet(-dropped.size());
        for (WarmWorker spare; (spare = pool.poll()) != null; ) {
            if (spare.spareFor(framework) && spare.claim() && spare.bind(buildId, root, env)) return spare;
            spare.retire();
        }
        return null;
    }

    /** Spares started (booting or ready) and boots queued or under way: for tests. */
    int started() {
        return pool.size();
    }

    int pending() {
        return pending.get();
    }

    /** Ends every spare as a process ends normally (end of input); the futures complete when they are gone. */
    public List<CompletableFuture<Process>> close() {
        closed = true;
        booter.shutdownNow();
        List<CompletableFuture<Process>> retiring = new ArrayList<>();
        for (WarmWorker spare; (spare = pool.poll()) != null; ) retiring.add(spare.retire());
        return retiring;
    }
}
