package io.testbot.cli;

import io.testbot.protocol.Version;
import io.testbot.requester.KeptWarm;
import io.testbot.requester.LocalMode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** `testbot local`: the local modes kept warm in the background (--keep-warm), one per project. */
@Command(name = "local", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Shows and ends local mode kept warm: with --keep-warm (or keep_warm: true in .testbot.yml) a run in local mode leaves a "
                + "server and runner for its project in the background, whose workers boot ahead of the next run.",
        subcommands = {LocalCommand.Status.class, LocalCommand.Stop.class, LocalCommand.Serve.class})
final class LocalCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Lists the projects with local mode kept warm: pid, port, instances, since when.")
    static final class Status implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            int found = 0;
            for (Path dir : KeptWarm.all(Paths.cacheDir())) {
                Optional<KeptWarm.State> running = KeptWarm.running(dir);
                if (running.isPresent()) {
                    KeptWarm.State state = running.get();
                    System.out.println(state.root() + "  pid " + state.pid() + ", port " + state.port() + ", " + state.instances() + " instance(s), testbot "
                            + state.version() + ", started " + java.time.Instant.ofEpochMilli(state.startedMillis()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
                    found++;
                } else if (KeptWarm.startingPid(dir).isPresent()) {
                    System.out.println(KeptWarm.projectOf(dir) + "  pid " + KeptWarm.startingPid(dir).getAsLong() + ", starting");
                    found++;
                }
            }
            if (found == 0) System.out.println("no local mode is kept warm");
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Ends the project's local mode kept warm (every project's with --all); a build it runs is stopped.")
    static final class Stop implements Callable<Integer> {
        @Option(names = {"-C", "--project"}, paramLabel = "DIR", description = "The project (default: the current directory).")
        Path project;

        @Option(names = "--all", description = "Every project's.")
        boolean all;

        @Override
        public Integer call() throws Exception {
            Path root = (project != null ? project : Path.of("")).toAbsolutePath().normalize();
            List<Path> dirs = all ? KeptWarm.all(Paths.cacheDir()) : List.of(KeptWarm.dir(Paths.cacheDir(), root));
            int stopped = 0;
            for (Path dir : dirs) {
                java.util.OptionalLong ended = KeptWarm.end(dir);
                if (ended.isEmpty()) continue;
                System.out.println("stopped the local mode kept warm for " + KeptWarm.projectOf(dir) + " (pid " + ended.getAsLong() + ")");
                stopped++;
            }
            if (stopped == 0) {
                System.err.println("testbot: no local mode is kept warm" + (all ? "" : " for " + root));
                return 1;
            }
            return 0;
        }
    }

    /** What a run with --keep-warm starts in the background; not for people to run. */
    @Command(name = "serve", hidden = true, mixinStandardHelpOptions = true, description = "Serves one project's local mode kept warm (started by --keep-warm).")
    static final class Serve implements Callable<Integer> {
        @Option(names = "--project", required = true, paramLabel = "DIR")
        Path project;

        @Option(names = "--instances", required = true, paramLabel = "N")
        int instances;

        @Option(names = "--warm", negatable = true, defaultValue = "true", fallbackValue = "true")
        boolean warm;

        @Option(names = "--ignore", paramLabel = "RULE")
        List<String> ignores = new ArrayList<>();

        @Option(names = "--identity", required = true, paramLabel = "DIGEST")
        String identity;

        @Option(names = "--expect", paramLabel = "FILE", description = "The build whose workers to boot ahead at once (KeptWarm.Expected, JSON); deleted once read.")
        Path expect;

        @Option(names = "--idle-minutes", paramLabel = "M")
        long idleMinutes = KeptWarm.DEFAULT_IDLE.toMinutes();

        @Override
        public Integer call() throws Exception {
            if (instances < 1) throw new IllegalArgumentException("--instances must be at least 1");
            Path root = project.toAbsolutePath().normalize();
            Path dir = KeptWarm.dir(Paths.cacheDir(), root);
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            String token = HexFormat.of().formatHex(secret);
            io.testbot.protocol.JobAssignment expected = null;
            if (expect != null) {
                KeptWarm.Expected build = io.testbot.protocol.Json.MAPPER.readValue(expect.toFile(), KeptWarm.Expected.class);
                Files.deleteIfExists(expect);
                expected = new io.testbot.protocol.JobAssignment(0, 0, root.getFileName().toString(), build.adapter(), build.files(),
                        build.options(), null, true, 0, true, build.environment(), build.patterns());
            }
            LocalMode local = LocalMode.keptWarm(root, instances, Paths.cacheDir(), dir, warm, ignores, token, expected);
            long pid = ProcessHandle.current().pid();
            AttachedRuns attached = attachedRuns(dir, root, new KeptWarm.Serving(local.api(), identity));
            if (attached != null) attached.warmUp(expected != null ? expected.adapter() : "rspec");
            CountDownLatch ended = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                if (attached != null) attached.close();
                KeptWarm.forget(dir, pid);
                local.close();
                ended.countDown();
            }, "local-stop"));
            KeptWarm.write(dir, new KeptWarm.State(pid, local.port(), token, identity, Version.CURRENT, root.toString(), instances,
                    KeptWarm.variables(System.getenv()), System.currentTimeMillis()));
            System.out.println("testbot local mode kept warm for " + root + " on 127.0.0.1:" + local.port() + " (" + instances + " instance(s))");

            java.time.Duration idle = java.time.Duration.ofMinutes(idleMinutes);
            // Ends once idle long enough, or when its project or its state file (another took its place) is gone.
            while (!ended.await(5, java.util.concurrent.TimeUnit.SECONDS)) {
                boolean stillOurs = KeptWarm.running(dir).map(state -> state.pid() == pid).orElse(false);
                if (!stillOurs || !Files.isDirectory(root) || local.runner().idle().compareTo(idle) >= 0) {
                    System.out.println("testbot local mode kept warm for " + root + " ends: "
                            + (!stillOurs ? "its state file is gone" : !Files.isDirectory(root) ? "the project is gone" : "no build for " + idleMinutes + " minutes"));
                    System.exit(0); // the shutdown hook closes it
                }
            }
            return 0;
        }

        /** Serves clients that are not a JVM (bin/testbot-attach); without it (a socket path too long, say) they start testbot's JVM. */
        private static AttachedRuns attachedRuns(Path dir, Path root, KeptWarm.Serving serving) {
            try {
                return AttachedRuns.listen(dir, root, serving);
            } catch (IOException | RuntimeException e) {
                System.out.println("testbot: runs start their own JVM: no socket for them (" + e.getMessage() + ")");
                return null;
            }
        }
    }
}
