package io.testbot.cli;

import io.testbot.protocol.Api;
import io.testbot.protocol.Version;
import io.testbot.server.ServerConfig;
import io.testbot.server.TestbotServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "server", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class, subcommands = TokenCommand.class,
        description = {"Runs the testbot server: it keeps builds, jobs, results and runtimes, holds project snapshots and hands jobs to runners.",
                "Without an action it runs in the foreground; 'start' runs it in the background (pid and log in the data dir), 'stop' stops that."})
final class ServerCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "start|stop", description = "Run in the background, or stop the background server.")
    String action;

    @Option(names = "--port", description = "Port to listen on (default: ${DEFAULT-VALUE}).", defaultValue = "" + Api.DEFAULT_PORT)
    int port;

    @Option(names = "--bind", paramLabel = "ADDR", description = "Address to listen on (default: ${DEFAULT-VALUE}).", defaultValue = "0.0.0.0")
    String bind;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the database, blobs, token, pid and log live (default: ~/.testbot/server).")
    Path dataDir;

    @Option(names = "--token", description = "The admin token clients may present (default: TESTBOT_TOKEN, else one generated and kept in the data dir); "
            + "'testbot server token add' makes named ones.")
    String token;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Read the token from this file.")
    Path tokenFile;

    @Option(names = "--insecure", description = "Accept requests without a token. Anyone who can reach the port can run commands on every runner.")
    boolean insecure;

    @Option(names = "--max-blob-size", paramLabel = "BYTES", description = "Largest single file a project may upload (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + ServerConfig.Limits.DEFAULT_MAX_BLOB_BYTES)
    long maxBlobBytes;

    @Option(names = "--max-request-size", paramLabel = "BYTES", description = "Largest JSON request (a build with its list of files, a result) (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + ServerConfig.Limits.DEFAULT_MAX_REQUEST_BYTES)
    long maxRequestBytes;

    @Option(names = "--max-build-size", paramLabel = "BYTES", description = "Most all the files of one build's project may add up to (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + ServerConfig.Limits.DEFAULT_MAX_BUILD_BYTES)
    long maxBuildBytes;

    @Option(names = "--keep-builds", paramLabel = "DAYS", description = "Delete finished builds (jobs, results, output) older than this; 0 keeps them all (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + ServerConfig.Retention.DEFAULT_BUILD_DAYS)
    int keepBuildDays;

    @Option(names = "--keep-blobs-of", paramLabel = "BUILDS", description = "Delete uploaded files that none of each project's last BUILDS builds uses; 0 keeps them all (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + ServerConfig.Retention.DEFAULT_BLOBS_OF_BUILDS)
    int keepBlobsOfBuilds;

    @Option(names = "--store", paramLabel = "URL", description = "Where the server keeps builds, results, runners and history: "
            + "sqlite:PATH (default: testbot.sqlite in the data dir) or postgresql://USER:PASSWORD@HOST:PORT/DATABASE; "
            + "default: TESTBOT_STORE, if set.")
    String store;

    @Option(names = "--blob-dir", paramLabel = "DIR", description = "Where uploaded project files are kept (default: blobs in the data dir); "
            + "servers that share a PostgreSQL store share this directory too (a network file system).")
    Path blobDir;

    @Option(names = "--advertise", paramLabel = "URL", description = "With a shared PostgreSQL store: the address other servers reach this one at "
            + "while it dispatches (they forward the API's requests to it while they stand by); default: http(s)://HOSTNAME:PORT.")
    String advertise;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "Serve HTTPS with this certificate (chain), a PEM file; with --tls-key.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "The certificate's private key, a PEM file (PKCS#8 or PKCS#1, RSA or EC).")
    Path tlsKey;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path data = (dataDir != null ? dataDir : Paths.home().resolve("server")).toAbsolutePath();
        if ("start".equals(action)) return Daemon.start("server", argsWithout(action, data), data.resolve("server.pid"), data.resolve("server.log"));
        if ("stop".equals(action)) return Daemon.stop("server", data.resolve("server.pid"));
        if (action != null) throw new CommandLine.ParameterException(spec.commandLine(), "unknown action '" + action + "' (start or stop)");

        io.testbot.sync.PrivateFiles.directory(data);
        String effectiveToken = insecure ? null : resolveToken(data);
        if (maxBlobBytes < 1 || maxRequestBytes < 1 || maxBuildBytes < 1 || keepBuildDays < 0 || keepBlobsOfBuilds < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "sizes must be at least 1 byte, and days and builds to keep 0 or more");
        }
        if (advertise != null && !advertise.matches("https?://[^/\\s]+/?")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--advertise takes a base URL, http(s)://HOST:PORT, not " + advertise);
        }
        if ((tlsCert == null) != (tlsKey == null)) throw new CommandLine.ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together");
        ServerConfig.Tls tls = null;
        if (tlsCert != null) {
            for (Path file : List.of(tlsCert, tlsKey)) {
                if (!Files.isReadable(file)) throw new CommandLine.ParameterException(spec.commandLine(), "cannot read " + file);
            }
            tls = new ServerConfig.Tls(tlsCert.toAbsolutePath(), tlsKey.toAbsolutePath());
        }
        TestbotServer server;
        try {
            server = TestbotServer.start(new ServerConfig(bind, port, data, effectiveToken, ServerConfig.Limits.of(maxBlobBytes, maxRequestBytes, maxBuildBytes),
                    new ServerConfig.Retention(keepBuildDays, keepBlobsOfBuilds), true, tls, storeUrl(store), blobDir == null ? null : blobDir.toAbsolutePath(),
                    advertise));
        } catch (io.javalin.community.ssl.SslConfigException e) {
            System.err.println("testbot server: cannot use " + tlsCert + " and " + tlsKey + ": " + e.getMessage());
            return 2;
        }
        server.warmUp();
        System.out.println("testbot server " + Version.CURRENT + " listening on " + (tls != null ? "https" : "http") + "://" + bind + ":" + server.port()
                + " (data: " + data + ")");
        if (insecure) System.out.println("WARNING: --insecure: no token is required; anyone who can reach this port can run commands on every runner.");
        if (tls == null && !isLoopback(bind)) {
            System.out.println("NOTE: listening on " + (bind.equals("0.0.0.0") || bind.equals("::") ? "every address" : bind)
                    + " over plain HTTP: the token and the projects' files travel in clear. On a network you do not trust, serve HTTPS (--tls-cert, --tls-key).");
        }
        System.out.flush();
        // Exit status 1, not 0: a service manager (Restart=on-failure) starts it again, and it stands by.
        server.onLostDispatch(() -> new Thread(() -> System.exit(1), "lost-dispatch").start());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }

    private static boolean isLoopback(String address) {
        try {
            return java.net.InetAddress.getByName(address).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** The store a server or its token commands use: --store, else TESTBOT_STORE, else null (the data dir's SQLite file). */
    static String storeUrl(String option) {
        if (option != null && !option.isBlank()) return option;
        String env = System.getenv("TESTBOT_STORE");
        return env == null || env.isBlank() ? null : env;
    }

    private String resolveToken(Path data) throws IOException, ProjectConfig.ConfigException {
        String given = Tokens.resolve(token, tokenFile, null, data);
        if (given != null) return given;
        Path file = data.resolve("token");
        if (Files.isRegularFile(file)) {
            System.out.println("Clients authenticate with the token in " + file + ": pass --token-file, --token or TESTBOT_TOKEN.");
            return Files.readString(file).strip();
        }
        String generated = io.testbot.server.Access.newToken();
        Files.writeString(io.testbot.sync.PrivateFiles.file(file), generated + "\n");
        // Never the token itself: this goes to the terminal, or to server.log when started in the background.
        System.out.println("Generated a token and saved it in " + file + " (readable by you alone). Runners and requesters need it:");
        System.out.println("  export TESTBOT_TOKEN=$(cat " + file + ")   # or pass --token-file " + file);
        return generated;
    }

    /** This command's arguments for the background process: the action dropped, the data dir made explicit. */
    private List<String> argsWithout(String dropped, Path data) {
        List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
        args.remove(dropped);
        if (dataDir == null) {
            args.add("--data-dir");
            args.add(data.toString());
        }
        return args;
    }
}
