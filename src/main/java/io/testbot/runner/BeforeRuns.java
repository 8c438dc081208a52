package io.testbot.runner;

import io.testbot.protocol.JobAssignment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** A build's before_run command, run once per runner before its first job there; every instance waits for the one outcome. */
final class BeforeRuns {
    private static final Logger log = LoggerFactory.getLogger(BeforeRuns.class);

    /** Whether it succeeded, and what it printed (with why it failed, when it did). */
    record Outcome(boolean ok, String output) {}

    private final RunnerConfig config;
    private final InstanceWorkers workers;
    private final Map<Long, CompletableFuture<Outcome>> byBuild = new ConcurrentHashMap<>();

    BeforeRuns(RunnerConfig config, InstanceWorkers workers) {
        this.config = config;
        this.workers = workers;
    }

    /** The job's build's before_run in the project at root: run now by the first instance to ask, awaited by the others. */
    Outcome run(JobAssignment job, Path root) throws InterruptedException {
        if (job.beforeRun() == null || job.beforeRun().isBlank()) return new Outcome(true, "");
        CompletableFuture<Outcome> mine = new CompletableFuture<>();
        CompletableFuture<Outcome> existing = byBuild.putIfAbsent(job.buildId(), mine);
        if (existing != null) return existing.join();
        byBuild.keySet().removeIf(buildId -> buildId < job.buildId() - Runner.REMEMBERED_BUILDS);
        // Idle workers of other builds would hold on to what before_run may rebuild (a test database, say).
        workers.retireIdle(worker -> worker.buildId() != job.buildId()).forEach(CompletableFuture::join);
        try {
            log.info("build {}: running before_run: {}", job.buildId(), job.beforeRun());
            ProcessBuilder builder = new ProcessBuilder(ProcessGroups.inNewGroup(List.of("sh", "-c", job.beforeRun())))
                    .directory(root.toFile()).redirectErrorStream(true);
            JobEnvironment.apply(builder, config.environment(), "", config.instances());
            Process process = builder.start();
            process.getOutputStream().close();
            String output;
            try (InputStream in = process.getInputStream()) {
                output = OutputCapture.read(in);
            }
            int exit = process.waitFor();
            Outcome outcome = exit == 0 ? new Outcome(true, output)
                    : new Outcome(false, output + "\ntestbot: before_run failed on " + config.hostname() + " (exit status " + exit + "): " + job.beforeRun() + "\n");
            mine.complete(outcome);
            return outcome;
        } catch (IOException e) {
            Outcome outcome = new Outcome(false, "testbot: could not start before_run on " + config.hostname() + ": " + e.getMessage() + "\n");
            mine.complete(outcome);
            return outcome;
        }
    }
}
