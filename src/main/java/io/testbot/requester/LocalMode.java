package io.testbot.requester;

import io.testbot.protocol.ServerApi;
import io.testbot.protocol.Version;
import io.testbot.runner.PassedVariables;
import io.testbot.runner.Runner;
import io.testbot.runner.RunnerConfig;
import io.testbot.runner.Spares;
import io.testbot.server.ServerConfig;
import io.testbot.server.TestbotServer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * No server configured: an embedded server and one runner in this process, which call each other directly (no
 * HTTP), the runner running the specs in place. Runtime history is kept in the cache dir, so local runs balance by it too.
 */
public final class LocalMode implements AutoCloseable {
    private final TestbotServer server;
    private final Runner runner;
    /** On Ctrl-C the JVM exits without running finally blocks: this stops the in-process runner's jobs. */
    private final Thread stopJobsOnExit;

    private LocalMode(TestbotServer server, Runner runner) {
        this.server = server;
        this.runner = runner;
        this.stopJobsOnExit = new Thread(runner::close, "local-runner-stop");
        Runtime.getRuntime().addShutdownHook(stopJobsOnExit);
    }

    /**
     * @param adapter the framework of the build
     * @param ahead   with warm workers, how many of its workers to boot while the embedded server starts
     */
    public static LocalMode start(Path projectRoot, int instances, Path cacheDir, boolean warm, String adapter, int ahead) throws IOException, InterruptedException {
        Path dataDir = dataDir(cacheDir);
        Path runnerDir = dataDir.resolve("runner");
        Spares spares = new Spares(runnerDir, instances, warm ? adapter : null, false, PassedVariables.everything()).boot(warm ? ahead : 0);
        // No HTTP: nothing but this process can reach the server, so it needs no token either.
        return assemble(spares, () -> TestbotServer.embedded(new ServerConfig("127.0.0.1", 0, dataDir, null,
                ServerConfig.Limits.defaults(), ServerConfig.Retention.none(), false)), runnerConfig(projectRoot, instances, runnerDir, warm, false, null), null);
    }

    /**
     * Local mode kept warm ({@link KeptWarm}): a server on loopback that takes the project's builds over HTTP with the
     * token, keeping its records in local mode's store (one history for both), and a runner that runs them in place
     * and boots each instance's worker ahead of the next build, as a runner of a farm does.
     *
     * @param dataDir  this project's kept-warm directory (the server's blobs, the runner's files)
     * @param ignores  the project's ignores, for the snapshots that decide whether a worker booted ahead fits
     * @param expected a job of the build that ran before it started, whose workers it boots ahead at once; or null
     */
    public static LocalMode keptWarm(Path projectRoot, int instances, Path cacheDir, Path dataDir, boolean warm, java.util.List<String> ignores,
                                     String token, io.testbot.protocol.JobAssignment expected) throws IOException, InterruptedException {
        Path runnerDir = dataDir.resolve("runner");
        Spares spares = new Spares(runnerDir, instances, warm ? "rspec" : null, false, PassedVariables.everything());
        return assemble(spares, () -> TestbotServer.start(new ServerConfig("127.0.0.1", 0, dataDir.resolve("server"), token, ServerConfig.Limits.defaults(),
                        ServerConfig.Retention.none(), false, null, io.testbot.store.Stores.defaultUrl(dataDir(cacheDir)), null, null)),
                runnerConfig(projectRoot, instances, runnerDir, warm, true, ignores), expected);
    }

    private static RunnerConfig runnerConfig(Path projectRoot, int instances, Path runnerDir, boolean warm, boolean preboot, java.util.List<String> ignores) {
        return new RunnerConfig(null, null, instances, runnerDir, "localhost", Version.CURRENT, projectRoot.toAbsolutePath().normalize(), warm,
                PassedVariables.everything(), null, preboot, ignores, jvms());
    }

    /** At most so many JUnit JVMs at once: TESTBOT_JVMS (as the runner's --jvms), or one per core. */
    public static int jvms() {
        String value = System.getenv("TESTBOT_JVMS");
        if (value == null || value.isBlank()) return RunnerConfig.jvmsOrCores(0);
        try {
            int jvms = Integer.parseInt(value.strip());
            if (jvms >= 0) return RunnerConfig.jvmsOrCores(jvms);
        } catch (NumberFormatException ignored) {
            // said below
        }
        throw new IllegalArgumentException("TESTBOT_JVMS must be a number of JVMs (0: the CPU count), not '" + value + "'");
    }

    private interface ServerStart {
        TestbotServer start() throws IOException;
    }

    /** Starts the server, then the runner calling it in process; what started is closed again if the rest fails. */
    private static LocalMode assemble(Spares spares, ServerStart serverStart, RunnerConfig config, io.testbot.protocol.JobAssignment expected)
            throws IOException, InterruptedException {
        TestbotServer server = null;
        try {
            server = serverStart.start();
            Runner runner = new Runner(config, spares, server.inProcess());
            if (expected != null) runner.expect(expected);
            runner.start();
            return new LocalMode(server, runner);
        } catch (IOException | RuntimeException e) {
            spares.close();
            if (server != null) server.close();
            throw e;
        }
    }

    /** The port a kept-warm local mode serves on. */
    public int port() {
        return server.port();
    }

    /** The runner, to wait for it (it stops on a fatal error). */
    public Runner runner() {
        return runner;
    }

    /** Where local mode keeps its database (runtime history) and its runner's files. */
    public static Path dataDir(Path cacheDir) {
        return cacheDir.resolve("local");
    }

    /** The embedded server, for the requester. */
    public ServerApi api() {
        return server.inProcess();
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(stopJobsOnExit);
        } catch (IllegalStateException alreadyExiting) {
            // the hook is running or will run
        }
        runner.close(false); // the server stops too
        server.close();
    }
}
