package io.testbot.runner;

import io.testbot.adapters.Adapter;
import io.testbot.adapters.Bundling;
import io.testbot.protocol.JobAssignment;

import java.io.IOException;
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
 * end, replace), and the workers let go that have not ended yet, which closing waits for.
 */
final class InstanceWorkers {
    private final Path tools;
    private final Spares spares;
    /** Each instance's warm worker, for the build it last ran (frameworks that have one). */
    private final Map<Integer, WarmWorker> workers = new ConcurrentHashMap<>();
    /** Workers let go that may not have ended yet. */
    private final Set<CompletableFuture<Process>> retiring = ConcurrentHashMap.newKeySet();

    private final PassedVariables passed;

    InstanceWorkers(Path tools, Spares spares, PassedVariables passed) {
        this.tools = tools;
        this.spares = spares;
        this.passed = passed;
    }

    Spares spares() {
        return spares;
    }

    /** The instance's current worker, whatever its build; null when it has none. */
    WarmWorker of(int instance) {
        return workers.get(instance);
    }

    /**
     * The instance's warm worker for this build, claimed for the job: the one it has, or a new one when it has none
     * for this build and directory. Null when the framework has no worker (for these options).
     */
    WarmWorker claim(JobAssignment job, int instance, Adapter adapter, Path root, Map<String, String> variables) throws IOException {
        WarmWorker worker = workers.get(instance);
        if (worker != null && worker.fits(job.buildId(), root) && worker.claim()) return worker;
        if (worker != null) retire(instance, worker);
        List<String> command = adapter.workerCommand(tools, job.options());
        if (command == null) return null;
        // A spare booted the framework outside Bundler: a bundled project's worker boots under `bundle exec`.
        WarmWorker spare = Bundling.bundled(job.environment()) ? null : spares.take(adapter.name(), job.buildId(), root, variables);
        if (spare != null) {
            workers.put(instance, spare);
            return spare;
        }
        ProcessBuilder builder = new ProcessBuilder(ProcessGroups.inNewGroup(Bundling.command(job.environment(), command)))
                .directory(root.toFile()).redirectErrorStream(true);
        JobEnvironment.apply(builder, passed, variables);
        worker = WarmWorker.start(builder, adapter.name(), job.buildId(), root);
        workers.put(instance, worker);
        return worker;
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
        List<CompletableFuture<Process>> ending = new ArrayList<>();
        synchronized (retiring) {
            workers.forEach((instance, worker) -> {
                if (which.test(worker) && worker.claim() && workers.remove(instance, worker)) ending.add(retire(worker));
            });
        }
        return ending;
    }

    /** Lets a worker just taken out of workers end, counted among those close() waits for (hold the lock on retiring). */
    private CompletableFuture<Process> retire(WarmWorker worker) {
        CompletableFuture<Process> gone = worker.retire();
        retiring.add(gone);
        gone.whenComplete((process, error) -> retiring.remove(gone));
        return gone;
    }

    /**
     * Lets every worker and spare end as processes normally do (their at_exit hooks, coverage reports, still run);
     * the futures complete when they are gone. Running jobs' processes are the caller's to kill first.
     */
    List<CompletableFuture<Process>> close() {
        List<CompletableFuture<Process>> ending;
        synchronized (retiring) {
            ending = new ArrayList<>(retiring);
            workers.values().forEach(worker -> ending.add(worker.retire()));
        }
        ending.addAll(spares.close());
        return ending;
    }
}
