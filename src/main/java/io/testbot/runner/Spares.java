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
 * a worker. Where the framework has a stub ({@link io.testbot.adapters.Adapter#spareStubCommand}), the framework
 * boots once, in a {@link Zygote}, and every spare is a fork of it: milliseconds each, and an instance that finds
 * none ready forks one on the spot. They start one at a time, each once the one before is ready, so that booting
 * them takes one core at most, not the whole machine just as the next build (or its requester, on the same
 * machine) starts. Local mode boots its first before its embedded server starts, so rspec boots meanwhile, and
 * boots no more ahead: its runner ends with its one build.
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
    /** The booted worker that spares are forked from, once one is ready. */
    private volatile Zygote zygote;
    /** The zygote the booter thread has started and waits for, until it is ready (then it is {@link #zygote}). */
    private volatile Zygote starting;
    /** Frameworks whose zygote could not start here: their spares boot on their own. */
    private final Set<String> unforkable = ConcurrentHashMap.newKeySet();
    /** The zygote each pooled spare was forked from: a spare that ended with its zygote says nothing of the framework. */
    private final Map<WarmWorker, Zygote> forkedFrom = new ConcurrentHashMap<>();
    /** Zygotes of each framework that ended while in use (killed, say); past this many, its spares boot on their own. */
    private final Map<String, Integer> zygotesLost = new ConcurrentHashMap<>();
    static final int MAX_ZYGOTES_LOST = 3;
    /** Boots queued or being started, not yet in the pool. */
    private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();
    /** How long the runner's final close waits for the zygote to end on its own before it kills it. */
    private final java.time.Duration zygoteGrace;
    private final PassedVariables passed;
    private final java.util.concurrent.ThreadPoolExecutor booter = oneAtATime("spare-booter");
    /** Starts the stubs of spares forked for a job at once: a thread that outlives them (see {@link #onThread}). */
    private final java.util.concurrent.ThreadPoolExecutor forker = oneAtATime("spare-forker");

    /**
     * Runs work that starts a process on the executor's thread, and waits for it. A worker's process dies with the
     * thread that started it (setpriv --pdeathsig follows the thread): one started by an instance's thread, which ends
     * as the runner stops, could die in its at_exit hooks (a coverage report) before they are done.
     */
    static <T> T onThread(java.util.concurrent.ExecutorService executor, java.util.concurrent.Callable<T> work) throws IOException {
        try {
            return executor.submit(work).get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            if (e.getCause() instanceof RuntimeException runtime) throw runtime;
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting a worker", e);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new IOException("the runner is stopping", e);
        }
    }

    /** An executor of one daemon thread for boots that take turns (its queue may be drained of those not begun). */
    static java.util.concurrent.ThreadPoolExecutor oneAtATime(String threadName) {
        return new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, java.util.concurrent.TimeUnit.MILLISECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * @param workDir   the runner's work dir (spares start in its tools directory, outside any project)
     * @param instances the runner's instance count: at most this many spares
     * @param adapter   the framework to boot spares of until the runner runs another; null for none yet
     * @param replenish whether idle instances boot more (a runner that outlives its builds)
     * @param passed    what of the runner's environment spares see (the jobs they will run)
     */
    public Spares(Path workDir, int instances, String adapter, boolean replenish, PassedVariables passed) {
        this(workDir, instances, adapter, replenish, passed, java.time.Duration.ofSeconds(WarmWorker.RETIRE_GRACE_SECONDS + 1));
    }

    /** As above, with the time the final close gives the zygote to end on its own (tests shorten it). */
    Spares(Path workDir, int instances, String adapter, boolean replenish, PassedVariables passed, java.time.Duration zygoteGrace) {
        this.zygoteGrace = zygoteGrace;
        this.passed = passed;
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
            if (spare.process().isAlive() || !pool.remove(spare)) continue;
            Zygote parent = forkedFrom.remove(spare);
            // Its zygote ended and took its forks along: the next boot starts another zygote.
            if (parent != null && !parent.isAlive()) continue;
            if (unavailable.add(spare.adapter())) {
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
                WarmWorker spare = null;
                try {
                    spare = bootOne();
                } catch (RuntimeException e) {
                    // Not to end the booter thread: what it started dies with it.
                    log.warn("cannot boot a spare worker: {}", e.toString());
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
            List<String> command = framework.workerCommand(tools, List.of());
            if (command == null) {
                unavailable.add(name);
                return null;
            }
            Zygote forks = zygote(name, framework, command);
            WarmWorker spare = forks != null ? fork(forks) : WarmWorker.startSpare(builder(ProcessGroups.inNewGroup(command)), name);
            if (forks != null) forkedFrom.put(spare, forks);
            pool.add(spare);
            if (closed) close(null); // close() may have missed it (and any grace it gave the zygote stands)
            return spare;
        } catch (IOException e) {
            unavailable.add(name);
            log.info("cannot boot spare {} workers ({}); jobs will boot their own", name, e.getMessage());
            return null;
        }
    }

    /**
     * A spare's process, or the zygote's: outside any project, with no instance's TEST_ENV_NUMBER yet (binding
     * gives it).
     */
    private ProcessBuilder builder(List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(tools.toFile()).redirectErrorStream(true);
        JobEnvironment.apply(builder, passed, "", instances);
        return builder;
    }

    /** Starts a spare forked from the zygote (a stub that the fork takes the place of). */
    private WarmWorker fork(Zygote forks) throws IOException {
        ProcessBuilder builder = builder(ProcessGroups.dyingWithStarter(forks.stubCommand()));
        forks.serve(builder);
        return WarmWorker.startSpare(builder, forks.adapter());
    }

    /**
     * The zygote for this framework, started and waited for if there is none yet (on the booter thread only);
     * null when the framework has no stub or its zygote cannot start here.
     */
    private Zygote zygote(String name, Adapter framework, List<String> command) throws IOException {
        Zygote current = zygote;
        if (current != null && current.adapter().equals(name) && current.isAlive()) return current;
        if (current != null) {
            zygote = null;
            if (current.adapter().equals(name) && !current.isAlive()) {
                int lost = zygotesLost.merge(name, 1, Integer::sum);
                log.warn("the {} zygote ended (exit status {}); {}", name, current.exitStatus(),
                        lost < MAX_ZYGOTES_LOST ? "starting another" : "spares now boot on their own");
                if (lost >= MAX_ZYGOTES_LOST) unforkable.add(name);
            }
            current.close(null); // it ends once the workers forked from it have, which may be running jobs
        }
        List<String> stub = unforkable.contains(name) ? null : framework.spareStubCommand(tools);
        if (stub == null) return null;
        Zygote started = Zygote.start(name, builder(ProcessGroups.dyingWithStarter(command)), stub);
        starting = started;
        try {
            if (!started.awaitReady(WarmWorker.BOOT_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                unforkable.add(name);
                started.close(zygoteGrace); // never ready: no forks of it to wait for
                return null;
            }
            zygote = started;
        } finally {
            starting = null;
        }
        if (closed) started.close(null); // close() may have missed it
        return started;
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
            forkedFrom.remove(spare);
            if (spare.spareFor(framework) && spare.claim() && spare.bind(buildId, root, env)) return spare;
            spare.retire();
        }
        // None ready: a fork now still beats booting the framework (this instance's thread outlives its workers), even
        // once the zygote on its way is ready: a build's jobs can come first, and eight boots at once on two cores took
        // each instance's first job 0.4-0.9 s.
        Zygote forks = zygote;
        if (forks == null) forks = starting;
        if (forks == null || closed || !forks.adapter().equals(framework)
                || !forks.awaitReady(WarmWorker.BOOT_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) return null;
        try {
            Zygote from = forks;
            WarmWorker spare = onThread(forker, () -> fork(from));
            if (spare.claim() && spare.bind(buildId, root, env)) return spare;
            spare.retire();
        } catch (IOException e) {
            log.debug("cannot fork a spare: {}", e.getMessage());
        }
        return null;
    }

    /** Spares started (booting or ready) and not yet taken: for tests. */
    int started() {
        return pool.size();
    }

    int pending() {
        return pending.get();
    }

    /** Whether a zygote has been started and is not ready yet: for tests. */
    boolean zygoteBooting() {
        return starting != null;
    }

    /**
     * A build's last queued job is out. A runner of one build (local mode's, which does not replenish) forks no
     * more workers: its spares end now, and its zygote as soon as the workers forked from it have, beside the
     * build's last jobs instead of after them; nothing here kills it, since its forks run those jobs and die with
     * it. A job that comes after all the same (a re-run) boots its own worker.
     */
    void drained() {
        if (!replenish) close(null);
    }

    /**
     * Ends every spare as a process ends normally (end of input), and the zygote once the workers forked from it
     * have ended, or after a grace period: the runner closes this once its own workers are stopped or retiring.
     * The futures complete when they are gone.
     */
    public List<CompletableFuture<Process>> close() {
        return close(zygoteGrace);
    }

    /** As {@link #close()}; a null grace lets the zygote take as long as its forks do (they may be running jobs). */
    private List<CompletableFuture<Process>> close(java.time.Duration zygoteGrace) {
        closed = true;
        booter.getQueue().clear();
        List<CompletableFuture<Process>> retiring = new ArrayList<>();
        for (WarmWorker spare; (spare = pool.poll()) != null; ) retiring.add(spare.retire());
        forkedFrom.clear();
        Zygote forks = zygote;
        if (forks != null) retiring.add(forks.close(zygoteGrace));
        // Only then may the booter's and the forker's threads end: the stubs they started die with them, and their forks with them
        // (the zygote ends once its forks have, the workers of jobs among them).
        CompletableFuture.allOf(retiring.toArray(CompletableFuture[]::new)).whenComplete((gone, error) -> {
            booter.shutdownNow();
            forker.shutdownNow();
        });
        return retiring;
    }
}
