package io.testbot.cli;

import io.testbot.protocol.ApiClient;
import io.testbot.protocol.Version;
import io.testbot.runner.PassedVariables;
import io.testbot.runner.Runner;
import io.testbot.runner.SelfUpdate;
import io.testbot.runner.RunnerConfig;
import io.testbot.runner.Spares;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "runner", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = {"Runs a runner: lends this computer's CPUs to a testbot server, running up to N jobs at once in its own copy of each project.",
                "Without an action it runs in the foreground; 'start' runs it in the background (pid and log in the work dir), 'stop' stops that."})
final class RunnerCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "start|stop", description = "Run in the background, or stop the background runner.")
    String action;

    @CommandLine.Mixin
    ServerOptions serverOptions;

    @Option(names = {"-n", "--instances"}, paramLabel = "N", description = "Jobs to run at once (default: the CPU count, ${sys:testbot.cpus}).")
    Integer instances;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Where project copies, the blob cache, pid and log live (default: ~/.testbot/runner).")
    Path workDir;

    @Option(names = "--hostname", description = "The name this runner reports (default: this computer's host name).")
    String hostname;

    @Option(names = "--warm", negatable = true, defaultValue = "true", fallbackValue = "true", description = "Keep one framework process per instance and build that runs job after job (rspec, test, cucumber, junit), and rspec booted ahead for the next build, so jobs rarely wait for a boot (default: on; --no-warm starts a process per job).")
    boolean warm;

    @Option(names = "--boot-ahead", negatable = true, defaultValue = "true", fallbackValue = "true", description = "With warm workers: once the runner is idle, "
            + "boot each instance's worker again in the project's copy, with what the last build's jobs loaded before their tests (spec or test helper, Cucumber's support code), "
            + "for the next build; a build with the same options takes it only if it changed nothing but test files its boot did not load, and boots anew otherwise (default: on).")
    boolean bootAhead;

    @Option(names = "--jvms", paramLabel = "N", defaultValue = "${env:TESTBOT_JVMS:-0}", description = "Run at most N JUnit JVMs at once, however many instances: "
            + "each JVM compiles the code it runs, and more of them than cores compile it again on busy cores (default: the CPU count, or TESTBOT_JVMS; "
            + "raise it for tests that mostly wait).")
    int jvms;

    @Option(names = "--pass-env", paramLabel = "NAME", split = ",", description = "Let builds' processes see this variable of the runner's environment "
            + "(repeatable or comma-separated; NAME* for every name that starts with NAME). They always see PATH, HOME, USER, LOGNAME, SHELL, TMPDIR, TZ, "
            + "LANG, LANGUAGE, LC_*, TERM, JAVA_HOME, GEM_HOME and GEM_PATH, their TEST_ENV_NUMBER, and never TESTBOT_* (the token).")
    List<String> passEnv = new ArrayList<>();

    @Option(names = "--keep-copies", paramLabel = "DAYS", description = "Delete copies of projects that no build has used for this long, and cached files "
            + "fetched before then; 0 keeps them for ever (default: ${DEFAULT-VALUE}).", defaultValue = "14")
    int keepCopiesDays;

    @Option(names = "--self-update", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "When the server runs another version, download its testbot, check it against the digest the server gives, and run it in this one's place "
                    + "with the same arguments, pid file and log (default: on).")
    boolean selfUpdate;

    @Option(names = "--report-version", hidden = true, description = "Report another version (to test outdated runners).")
    String reportVersion;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static {
        System.setProperty("testbot.cpus", String.valueOf(Runtime.getRuntime().availableProcessors()));
    }

    @Override
    public Integer call() throws Exception {
        Path dir = (workDir != null ? workDir : Paths.home().resolve("runner")).toAbsolutePath();
        if ("start".equals(action)) {
            List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
            args.remove(action);
            if (workDir == null) {
                args.add("--work-dir");
                args.add(dir.toString());
            }
            return Daemon.start("runner", args, dir.resolve("runner.pid"), dir.resolve("runner.log"));
        }
        if ("stop".equals(action)) return Daemon.stop("runner", dir.resolve("runner.pid"));
        if (action != null) throw new CommandLine.ParameterException(spec.commandLine(), "unknown action '" + action + "' (start or stop)");

        String server = serverOptions.server(ProjectConfig.empty());
        if (server == null) throw new CommandLine.ParameterException(spec.commandLine(), "which server? pass --connect HOST[:PORT] or set TESTBOT_SERVER");
        ApiClient.baseUris(server);
        serverOptions.trust();
        int n = instances != null ? instances : Runtime.getRuntime().availableProcessors();
        if (n < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--instances must be at least 1");
        if (jvms < 0) throw new CommandLine.ParameterException(spec.commandLine(), "--jvms must not be negative (0: the CPU count)");
        if (keepCopiesDays < 0) throw new CommandLine.ParameterException(spec.commandLine(), "--keep-copies must be 0 or more days");
        io.testbot.sync.PrivateFiles.directory(dir);
        String name = hostname != null ? hostname : InetAddress.getLocalHost().getHostName();
        // With warm workers, each instance keeps an rspec booted ahead (RSpec until the runner runs another framework).
        PassedVariables passed;
        try {
            passed = PassedVariables.only(passEnv);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Spares spares = new Spares(dir, n, warm ? "rspec" : null, true, passed);
        Runner runner = new Runner(new RunnerConfig(server, serverOptions.token(ProjectConfig.empty(), dir), n, dir, name,
                reportVersion != null ? reportVersion : Version.CURRENT, null, warm, passed,
                keepCopiesDays == 0 ? null : java.time.Duration.ofDays(keepCopiesDays), bootAhead, null, jvms), spares);
        Runtime.getRuntime().addShutdownHook(new Thread(runner::close));
        java.util.concurrent.atomic.AtomicReference<Path> updated = new java.util.concurrent.atomic.AtomicReference<>();
        if (!selfUpdate) runner.whenOutdated(() -> runner.note("not updating itself (--no-self-update): update it by hand"));
        if (selfUpdate) runner.whenOutdated(updater(new SelfUpdate(new ApiClient(server, serverOptions.token(ProjectConfig.empty(), dir)), dir), runner, updated));
        try {
            runner.start();
            runner.warmUp();
            spares.boot(n);
        } catch (ApiClient.AuthException e) {
            System.err.println("testbot runner: " + e.getMessage());
            return 3;
        }
        String fatal = runner.awaitStop();
        if (updated.get() != null) return runInstead(updated.get());
        return fatal == null ? 0 : 3;
    }

    /** Seconds between two attempts to update, while the server keeps saying this runner is outdated. */
    private static final long UPDATE_RETRY_SECONDS = 60;

    /**
     * What the runner does when told it is outdated: download the server's jar in the background (one attempt at a
     * time, one a minute at most), and on success stop the runner, for {@link #runInstead} to start the new one.
     */
    private Runnable updater(SelfUpdate update, Runner runner, java.util.concurrent.atomic.AtomicReference<Path> updated) {
        java.util.concurrent.atomic.AtomicBoolean busy = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong lastTry = new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - UPDATE_RETRY_SECONDS * 1_000_000_000L);
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SelfUpdate.class);
        return () -> {
            if (reportVersion != null) {
                // The version is made up (a test): the server's jar would be this one, and report the same.
                if (busy.compareAndSet(false, true)) log.warn("not updating: --report-version makes this runner report {}", reportVersion);
                runner.note("not updating: it reports version " + reportVersion + " (--report-version)");
                return;
            }
            long now = System.nanoTime();
            if (now - lastTry.get() < UPDATE_RETRY_SECONDS * 1_000_000_000L || !busy.compareAndSet(false, true)) return;
            lastTry.set(now);
            Thread thread = new Thread(() -> {
                try {
                    updated.set(update.download());
                    log.info("updating: stopping this runner to start {} in its place", updated.get());
                    runner.close();
                } catch (IOException | RuntimeException e) {
                    log.warn("cannot update itself from the server ({}); it gets no jobs until it is updated; trying again in {} s", e.getMessage(), UPDATE_RETRY_SECONDS);
                    runner.note("cannot update itself: " + e.getMessage());
                } finally {
                    busy.set(false);
                }
            }, "self-update");
            thread.setDaemon(true);
            thread.start();
        };
    }

    /**
     * Runs the updated jar with this runner's JVM options and arguments, in this process's place: it inherits the
     * standard streams (the same log), this process stays the one the pid file and a service manager know, and a
     * signal to it stops the new runner too.
     */
    private int runInstead(Path jar) throws IOException, InterruptedException {
        java.util.List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String option : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!option.startsWith("-XX:SharedArchiveFile") && !option.startsWith("-XX:ArchiveClassesAtExit")) command.add(option);
        }
        command.addAll(java.util.List.of("-jar", jar.toString()));
        command.addAll(spec.commandLine().getParseResult().originalArgs());
        // It dies with this process, even by SIGKILL, as a service manager expects of the process it started.
        Process next = new ProcessBuilder(io.testbot.runner.ProcessGroups.dyingWithStarter(command)).inheritIO().start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            next.destroy();
            try {
                next.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        return next.waitFor();
    }
}
