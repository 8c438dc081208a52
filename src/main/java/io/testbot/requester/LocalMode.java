package io.testbot.requester;

import io.testbot.protocol.Version;
import io.testbot.runner.Runner;
import io.testbot.runner.RunnerConfig;
import io.testbot.runner.Spares;
import io.testbot.server.ServerConfig;
import io.testbot.server.TestbotServer;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * No server configured: an embedded server on loopback and one runner in this process that runs the specs in
 * place. Runtime history is kept in the cache dir, so local runs balance by it too.
 */
public final class LocalMode implements AutoCloseable {
    private final TestbotServer server;
    private final Runner runner;
    private final String token;
    /** On Ctrl-C the JVM exits without running finally blocks: this stops the in-process runner's jobs. */
    private final Thread stopJobsOnExit;

    private LocalMode(TestbotServer server, Runner runner, String token) {
        this.server = server;
        this.runner = runner;
        this.token = token;
        this.stopJobsOnExit = new Thread(runner::close, "local-runner-stop");
        Runtime.getRuntime().addShutdownHook(stopJobsOnExit);
    }

    /**
     * @param adapter the framework of the build
     * @param ahead   with warm workers, how many of its workers to boot while the embedded server starts
     */
    public static LocalMode start(Path projectRoot, int instances, Path cacheDir, boolean warm, String adapter, int ahead) throws IOException, InterruptedException {
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        String token = HexFormat.of().formatHex(secret);
        Path dataDir = dataDir(cacheDir);
        Path runnerDir = dataDir.resolve("runner");
        Spares spares = new Spares(runnerDir, instances, warm ? adapter : null, false).boot(warm ? ahead : 0);
        TestbotServer server;
        try {
            server = TestbotServer.start(new ServerConfig("127.0.0.1", 0, dataDir, token,
                    ServerConfig.DEFAULT_MAX_BLOB_BYTES, ServerConfig.DEFAULT_MAX_REQUEST_BYTES, false));
        } catch (IOException | RuntimeException e) {
            spares.close();
            throw e;
        }
        Runner runner = new Runner(new RunnerConfig("127.0.0.1:" + server.port(), token, instances, runnerDir,
                "localhost", Version.CURRENT, projectRoot.toAbsolutePath().normalize(), warm), spares);
        runner.start();
        return new LocalMode(server, runner, token);
    }

    /** Where local mode keeps its database (runtime history) and its runner's files. */
    public static Path dataDir(Path cacheDir) {
        return cacheDir.resolve("local");
    }

    public String address() {
        return "127.0.0.1:" + server.port();
    }

    public String token() {
        return token;
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
