package io.testbot.cli;

import io.testbot.protocol.ApiClient;
import io.testbot.protocol.Version;
import io.testbot.runner.PassedVariables;
import io.testbot.runner.Runner;
import io.testbot.runner.RunnerConfig;
import io.testbot.runner.Spares;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

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

    @Option(names = "--pass-env", paramLabel = "NAME", split = ",", description = "Let builds' processes see this variable of the runner's environment "
            + "(repeatable or comma-separated; NAME* for every name that starts with NAME). They always see PATH, HOME, USER, LOGNAME, SHELL, TMPDIR, TZ, "
            + "LANG, LANGUAGE, LC_*, TERM, JAVA_HOME, GEM_HOME and GEM_PATH, their TEST_ENV_NUMBER, and never TESTBOT_* (the token).")
    List<String> passEnv = new ArrayList<>();

    @Option(names = "--keep-copies", paramLabel = "DAYS", description = "Delete copies of projects that no build has used for this long, and cached files "
            + "fetched before then; 0 keeps them for ever (default: ${DEFAULT-VALUE}).", defaultValue = "14")
    int keepCopiesDays;

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
        ApiClient.baseUri(server);
        serverOptions.trust();
        int n = instances != null ? instances : Runtime.getRuntime().availableProcessors();
        if (n < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--instances must be at least 1");
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
                keepCopiesDays == 0 ? null : java.time.Duration.ofDays(keepCopiesDays)), spares);
        Runtime.getRuntime().addShutdownHook(new Thread(runner::close));
        try {
            runner.start();
            runner.warmUp();
            spares.boot(n);
        } catch (ApiClient.AuthException e) {
            System.err.println("testbot runner: " + e.getMessage());
            return 3;
        }
        String fatal = runner.awaitStop();
        return fatal == null ? 0 : 3;
    }
}
