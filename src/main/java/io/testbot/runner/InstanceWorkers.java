package io.testbot.runner;

import io.testbot.adapters.Adapter;
import io.testbot.adapters.Bundling;
import io.testbot.protocol.JobAssignment;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Each instance's warm worker (the same mechanism for every framework: boot or take a spare, run job after job,
 * end, replace), and the workers let go that have not ended yet, which closing waits for. With booting ahead on,
 * an instance whose framework's worker can load the project ahead of a job (a test or spec helper, cucumber's
 * support code) gets, once the runner is idle, a worker booted again in the copy its last build used, as Spring
 * keeps an application booted: the next build's job takes it if {@link BootRecipe#misfit} finds nothing against it,
 * and boots anew otherwise.
 */
final class InstanceWorkers implements InPlaceWatch.Workers {
    private static final Logger log = LoggerFactory.getLogger(InstanceWorkers.class);
    private final Path tools;
    private final Spares spares;
    /** Each instance's warm worker, for the build it last ran (frameworks that have one). */
    private final Map<Integer, WarmWorker> workers = new ConcurrentHashMap<>();
    /** Workers let go that may not have ended yet. */
    private final Set<CompletableFuture<Process>> retiring = ConcurrentHashMap.newKeySet();

    private final PassedVariables passed;
    /** Whether instances get workers booted ahead of the next build. */
    private final boolean preboot;
    /** How each instance's last worker in a synced copy was booted (frameworks whose worker loads the project). */
    private final Map<Integer, BootRecipe> recipes = new ConcurrentHashMap<>();
    /** Instances with a job in hand: their idle worker is about to run it. */
    private final Set<Integer> engaged = ConcurrentHashMap.newKeySet();
    /** Instances whose boot ahead is queued or starting. */
    private final Set<Integer> prebooting = ConcurrentHashMap.newKeySet();
    private final InPlaceSnapshots inPlace;
    /** Where jobs of frameworks whose processes are bound to cores run: their workers are the slots', not the instances'. */
    private final CoreSlots slots;
    private volatile boolean closed;
    /** Boots ahead one at a time, each once the one before is ready: a core at most, as spares do. */
    private final java.util.concurrent.ThreadPoolExecutor booter = Spares.oneAtATime("preboot");
    /** Starts the workers of jobs: a thread that outlives them, as the instances' threads may not (see {@link Spares#onThread}). */
    private final java.util.concurrent.ThreadPoolExecutor starter = Spares.oneAtATime("worker-starter");

    /**
     * @param inPlace the directory in-place builds run in, for booting ahead there (the kept-warm local server); null
     *                when the runner boots ahead only in synced copies
     */
    InstanceWorkers(Path tools, Spares spares, PassedVariables passed, boolean preboot, InPlaceSnapshots inPlace, CoreSlots slots) {
        this.tools = tools;
        this.slots = slots;
        this.spares = spares;
        this.passed = passed;
        this.preboot = preboot;
        this.inPlace = inPlace;
    }

    Spares spares() {
        return spares;
    }

    /**
     * Where a job of the adapter on this instance runs (see {@link CoreSlots}): the key of its worker (the instance,
     * or a slot) and its TEST_ENV_NUMBER; waits for a free slot if need be. Close it when the job's process is done.
     * Null once the job is cancelled.
     */
    CoreSlots.Slot slot(Adapter adapter, int instance, java.util.function.BooleanSupplier cancelled) throws InterruptedException {
        return slots.take(adapter, instance, cancelled);
    }

    /** An instance's file of its worker booted ahead (what it loaded, the job line it boots from), beside the tools. */
    private Path prebootFile(int instance, String suffix) {
        return tools.resolveSibling("preboots").resolve("instance-" + instance + "." + suffix);
    }

    /** The instance's current worker, whatever its build; null when it has none. */
    WarmWorker of(int instance) {
        return workers.get(instance);
    }

    /**
     * The instance's warm worker for this build, claimed for the job: the one it has, the one booted ahead for it if
     * it fits, or a new one. Null when the framework has no worker (for these options).
     *
     * @param copy the synced copy at root the job holds; null for an in-place build
     */
    WarmWorker claim(JobAssignment job, int instance, Adapter adapter, Path root, Map<String, String> variables, Workspace.Copy copy)
            throws IOException {
        WarmWorker worker = workers.get(instance);
        if (worker != null && worker.fits(job.buildId(), root) && worker.claim()) return worker;
        List<String> command = adapter.workerCommand(tools, job.options());
        BootRecipe recipe = recipe(job, instance, adapter, command, root, variables, copy);
        if (recipe != null) recipes.put(instance, recipe);
        else if (copy != null || inPlace(root)) recipes.remove(instance); // files taken over in another's copy leave it as it was
        if (worker != null && recipe != null && worker.isPrebooted() && worker.claim()) {
            if (adopted(worker, recipe, instance, job.buildId())) return worker;
            worker.release();
        }
        if (worker != null) retire(instance, worker);
        if (command == null) return null;
        // A spare booted the framework outside Bundler, as installed: a bundled project's worker boots under `bundle exec`, and
        // one that is (part of) the framework loads its own copy.
        WarmWorker spare = Bundling.bundled(job.environment()) || !adapter.sparesServe(root) ? null : spares.take(adapter.name(), job.buildId(), root, variables);
        if (spare != null) {
            install(instance, spare);
            return spare;
        }
        ProcessBuilder builder = new ProcessBuilder(ProcessGroups.inNewGroup(Bundling.command(job.environment(), command)))
                .directory(root.toFile()).redirectErrorStream(true);
        JobEnvironment.apply(builder, passed, variables);
        worker = Spares.onThread(starter, () -> WarmWorker.start(builder, adapter.name(), job.buildId(), root));
        install(instance, worker);
        return worker;
    }

    /**
     * How the job's worker is booted, to boot another so ahead of the next build and to compare with one booted
     * ahead; null when the worker would not load the project, or booting ahead is off.
     */
    private BootRecipe recipe(JobAssignment job, int instance, Adapter adapter, List<String> command, Path root, Map<String, String> variables,
                              Workspace.Copy copy) {
        if (command == null || !preboot || !adapter.workerBootsProject()) return null;
        List<String> booted = Bundling.command(job.environment(), command);
        String line = adapter.workerJob(job.files(), job.options(), prebootFile(instance, "results.json"));
        if (copy != null) return BootRecipe.of(adapter, booted, job.options(), root, copy, variables, copy.files, job.patterns(), line);
        if (!inPlace(root)) return null;
        try {
            // The project's files count only against a worker booted ahead (one boots on a snapshot of its own).
            boolean compared = workers.values().stream().anyMatch(WarmWorker::isPrebooted);
            return BootRecipe.of(adapter, booted, job.options(), root, InPlaceSnapshots.IN_PLACE, variables,
                    compared ? inPlace.ofBuild(job.buildId()) : Map.of(), job.patterns(), line);
        } catch (IOException e) {
            log.warn("build {}: cannot list {} to compare it with what workers booted ahead loaded: {}", job.buildId(), root, e.toString());
            return null;
        }
    }

    /** Whether root is the directory of in-place builds this runner boots ahead in. */
    private boolean inPlace(Path root) {
        return inPlace != null && root.equals(inPlace.root());
    }

    /** Records how to boot the instance's worker ahead as this job's would be, without running it (see {@link Runner#expect}). */
    void expect(JobAssignment job, int instance, Adapter adapter, Path root, Map<String, String> variables) {
        try {
            BootRecipe recipe = recipe(job, instance, adapter, adapter.workerCommand(tools, job.options()), root, variables, null);
            if (recipe != null) recipes.put(instance, recipe);
        } catch (IOException e) {
            log.warn("instance {}: cannot boot a worker ahead: {}", instance, e.toString());
        }
    }

    /** Makes the worker the instance's; a worker booted ahead that got there meanwhile ends. */
    private void install(int instance, WarmWorker worker) {
        synchronized (retiring) {
            WarmWorker displaced = workers.put(instance, worker);
            if (displaced != null && displaced != worker) retire(displaced);
        }
    }

    /** Whether the worker booted ahead (held by the caller) fits the job's recipe, waited for if need be; it is the build's then. */
    private boolean adopted(WarmWorker worker, BootRecipe wanted, int instance, long buildId) {
        String misfit = worker.recipe().misfit(wanted, null);
        if (misfit == null) {
            if (!worker.awaitBooted(WarmWorker.BOOT_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) misfit = "it did not boot";
            else misfit = worker.recipe().misfit(wanted, worker.loaded());
        }
        if (misfit != null) {
            log.info("build {}: instance {} boots its worker anew, not the one booted ahead: {}", buildId, instance, misfit);
            return false;
        }
        worker.adopt(buildId);
        log.info("build {}: instance {} takes the worker booted ahead", buildId, instance);
        return true;
    }

    /** Whether an instance would get a worker booted ahead: one with a recipe and no live worker, not yet on its way. */
    boolean prebootWanted() {
        if (!preboot || closed) return false;
        for (Integer instance : recipes.keySet()) {
            WarmWorker worker = workers.get(instance);
            if ((worker == null || !worker.process().isAlive()) && !prebooting.contains(instance)) return true;
        }
        return false;
    }

    /**
     * Queues, for each instance with a recipe and no live worker, a worker booted ahead in its last copy (the runner
     * holds no job: its build is over). They start one at a time; one whose instance got a worker meanwhile does not.
     */
    void prebootIdle() {
        if (!preboot || closed) return;
        recipes.forEach((instance, recipe) -> {
            WarmWorker worker = workers.get(instance);
            if ((worker != null && worker.process().isAlive()) || !prebooting.add(instance)) return;
            try {
                booter.execute(() -> {
                    try {
                        WarmWorker booted = prebootOne(instance, recipe);
                        // The next waits for this one (one that never gets ready is not waited for long). One that ended
                        // first (the helper exits, say) is not booted again and again: the next build boots its own.
                        if (booted != null && !booted.awaitBooted(WarmWorker.BOOT_WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                            log.warn("instance {}: the worker booted ahead of the next build ended before it was ready", instance);
                            recipes.remove(instance, recipe);
                        }
                    } finally {
                        prebooting.remove(instance);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException closedMeanwhile) {
                prebooting.remove(instance);
            }
        });
    }

    /**
     * The instances whose worker booted ahead in place, ready and unused, the project as it is now no longer fits
     * (see {@link InPlaceWatch}), each with why; empty while any instance has a job in hand or boots ahead.
     */
    @Override
    public Map<Integer, String> unfitInPlace(Map<String, io.testbot.protocol.FileEntry> now) {
        Map<Integer, String> unfit = new java.util.TreeMap<>();
        if (!idle()) return unfit;
        workers.forEach((instance, worker) -> {
            if (!readyInPlace(worker)) return;
            String misfit = worker.recipe().misfit(worker.recipe().withFiles(now), worker.loaded());
            if (misfit != null) unfit.put(instance, misfit);
        });
        return unfit;
    }

    @Override
    public boolean bootedAheadInPlace() {
        return idle() && workers.values().stream().anyMatch(InstanceWorkers::readyInPlace);
    }

    private boolean idle() {
        return !closed && engaged.isEmpty() && prebooting.isEmpty();
    }

    private static boolean readyInPlace(WarmWorker worker) {
        return worker.isPrebooted() && worker.recipe() != null && worker.recipe().copy() == InPlaceSnapshots.IN_PLACE && worker.loaded() != null;
    }

    @Override
    public void bootAheadAgain(Set<Integer> instances) {
        for (int instance : instances) {
            WarmWorker worker = workers.get(instance);
            if (worker != null && worker.isPrebooted() && worker.claim()) retire(instance, worker);
        }
        prebootIdle();
    }

    private WarmWorker prebootOne(int instance, BootRecipe last) {
        if (closed || recipes.get(instance) != last) return null;
        if (!Files.isDirectory(last.root())) {
            recipes.remove(instance, last); // housekeeping deleted the copy
            return null;
        }
        BootRecipe recipe = last;
        try {
            if (last.copy() == InPlaceSnapshots.IN_PLACE) {
                // In place, the project is what it is now (the last build's tests may have changed files).
                recipe = last.withFiles(inPlace.now());
                if (!recipes.replace(instance, last, recipe)) return null;
            }
            Path loadedList = prebootFile(instance, "loaded");
            Path lastJob = prebootFile(instance, "job");
            Files.createDirectories(loadedList.getParent());
            Files.deleteIfExists(loadedList);
            Files.writeString(lastJob, recipe.job());
            ProcessBuilder builder = new ProcessBuilder(ProcessGroups.inNewGroup(recipe.command())).directory(recipe.root().toFile()).redirectErrorStream(true);
            JobEnvironment.apply(builder, passed, recipe.variables());
            builder.environment().put(WarmWorker.PREBOOT_JOB_VARIABLE, lastJob.toString());
            synchronized (retiring) { // close() sees it in workers, or it is not started
                WarmWorker current = workers.get(instance);
                // An instance with a job in hand is taking a worker of its own.
                if (closed || engaged.contains(instance) || (current != null && current.process().isAlive())) return null;
                WarmWorker worker = WarmWorker.startPreboot(builder, recipe, loadedList);
                if (current != null) workers.remove(instance, current);
                workers.put(instance, worker);
                log.info("instance {}: booting a {} worker ahead of the next build in {}", instance, recipe.adapter().name(), recipe.root());
                return worker;
            }
        } catch (IOException | RuntimeException e) {
            log.warn("instance {}: cannot boot a worker ahead of the next build: {}", instance, e.toString());
            recipes.remove(instance, recipe);
            return null;
        }
    }

    /** Forgets a worker that ended during a job (a crash, exit!, or it was killed): the next job starts a new one. */
    void forget(int instance, WarmWorker worker) {
        workers.remove(instance, worker);
    }

    /** Lets the instance's worker end (see {@link WarmWorker#retire}), if it is still the instance's. */
    void retire(int instance, WarmWorker worker) {
        synchronized (retiring) { // close() sees each worker either still in workers or already retiring
            if (workers.remove(instance, worker)) retire(worker);
        }
    }

    /**
     * Lets the idle workers that match end; close() waits for them too, so that their at_exit hooks have run when
     * the runner has stopped.
     */
    List<CompletableFuture<Process>> retireIdle(Predicate<WarmWorker> which) {
        return retireIdle(which, instance -> true);
    }

    /**
     * As {@link #retireIdle(Predicate)}, of this instance and of the instances without a job in hand (see {@link
     * #engage}): a drained build's workers end, but not the one another instance is about to run its last job in.
     */
    List<CompletableFuture<Process>> retireIdleBut(Predicate<WarmWorker> which, int own) {
        // A slot's worker serves any instance: it may end once no other instance has a job in hand and no job has a slot or waits for one.
        return retireIdle(which, key -> CoreSlots.isSlot(key)
                ? slots.unused() && engaged.stream().allMatch(instance -> instance == own)
                : key == own || !engaged.contains(key));
    }

    /**
     * The idle workers that match, of the instances without a job in hand, but not this instance's own nor a slot's:
     * this instance holds a job, which runs in its own worker or takes a slot's.
     */
    List<CompletableFuture<Process>> retireOthersIdle(Predicate<WarmWorker> which, int own) {
        return retireIdle(which, key -> !CoreSlots.isSlot(key) && key != own && !engaged.contains(key));
    }

    private List<CompletableFuture<Process>> retireIdle(Predicate<WarmWorker> which, java.util.function.IntPredicate ofInstance) {
        synchronized (retiring) {
            List<WarmWorker> ending = new ArrayList<>();
            workers.forEach((instance, worker) -> {
                if (ofInstance.test(instance) && which.test(worker) && worker.claim() && workers.remove(instance, worker)) ending.add(worker);
            });
            return retireInTurn(ending);
        }
    }

    /**
     * Lets these workers, out of workers, end: one of them after all the others and after those ending already. What
     * their at_exit hooks merge across instances (SimpleCov stores each instance's coverage, then reports all it finds
     * stored) is whole when that last one merges, as when parallel_tests' last process waits for the others. Hold the
     * lock on retiring.
     */
    private List<CompletableFuture<Process>> retireInTurn(List<WarmWorker> ending) {
        List<CompletableFuture<Process>> gone = new ArrayList<>();
        if (ending.isEmpty()) return gone;
        List<CompletableFuture<Process>> before = new ArrayList<>(retiring);
        for (WarmWorker worker : ending.subList(0, ending.size() - 1)) gone.add(retire(worker));
        before.addAll(gone);
        WarmWorker last = ending.get(ending.size() - 1);
        gone.add(tracked(CompletableFuture.allOf(before.toArray(CompletableFuture[]::new)).handle((ended, failed) -> null)
                .thenCompose(nothing -> last.retire())));
        return gone;
    }

    /** The instance has a job in hand (from taking it to reporting it, and a next job that came with the report). */
    void engage(int instance) {
        engaged.add(instance);
    }

    /** The instance asks for work with nothing in hand. */
    void disengage(int instance) {
        engaged.remove(instance);
    }

    /** Lets a worker just taken out of workers end, counted among those close() waits for (hold the lock on retiring). */
    private CompletableFuture<Process> retire(WarmWorker worker) {
        return tracked(worker.retire());
    }

    /** A worker's end, counted among those close() waits for until it is over (hold the lock on retiring). */
    private CompletableFuture<Process> tracked(CompletableFuture<Process> gone) {
        retiring.add(gone);
        gone.whenComplete((process, error) -> retiring.remove(gone));
        return gone;
    }

    /**
     * Lets every worker and spare end as processes normally do (their at_exit hooks, coverage reports, still run);
     * the futures complete when they are gone. Running jobs' processes are the caller's to kill first. The workers
     * end in turn, as a build's do (see {@link #retireInTurn}).
     */
    List<CompletableFuture<Process>> close() {
        List<CompletableFuture<Process>> ending;
        closed = true;
        booter.shutdownNow();
        synchronized (retiring) {
            ending = new ArrayList<>(retiring);
            List<WarmWorker> live = new ArrayList<>(workers.values());
            workers.clear();
            ending.addAll(retireInTurn(live));
        }
        ending.addAll(spares.close());
        CompletableFuture.allOf(ending.toArray(CompletableFuture[]::new)).whenComplete((gone, error) -> starter.shutdownNow());
        return ending;
    }
}
