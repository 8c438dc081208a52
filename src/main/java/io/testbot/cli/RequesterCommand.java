package io.testbot.cli;

import io.testbot.adapters.Adapters;
import io.testbot.protocol.ApiClient;
import io.testbot.requester.Requester;
import io.testbot.requester.RequesterConfig;
import io.testbot.sync.ProjectScanner;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * What every framework's command shares (`testbot rspec`, `test`, `cucumber`, `run`): where to run, which files,
 * and how the build behaves. A subclass names its adapter and may add options of its own.
 */
abstract class RequesterCommand implements Callable<Integer> {
    @Parameters(paramLabel = "PATH", arity = "0..*", description = "Test files or directories (default: every file matching the pattern).")
    List<String> paths = new ArrayList<>();

    @CommandLine.Mixin
    ServerOptions serverOptions;

    @Option(names = "--local", description = "Run in local mode even when a server is configured.")
    boolean local;

    @Option(names = {"-n", "--instances"}, paramLabel = "N", description = "Local mode: jobs to run at once (default: .testbot.yml, then the CPU count).")
    Integer instances;

    @Option(names = {"-C", "--project-dir"}, paramLabel = "DIR", description = "The project root (default: the current directory).")
    Path projectDir;

    @Option(names = "--pattern", paramLabel = "GLOB", description = "Which files to run, relative to the project root (default: from .testbot.yml, then the framework's).")
    String pattern;

    @Option(names = {"-O", "--option"}, paramLabel = "OPTION", description = "Pass an option to the framework's command (repeatable), after those in .testbot.yml.")
    List<String> frameworkOptions = new ArrayList<>();

    @Option(names = "--before-run", paramLabel = "COMMAND", description = "Shell command each runner runs once before its first job of the build (default: before_run in .testbot.yml).")
    String beforeRun;

    @Option(names = "--runner-timeout", paramLabel = "SECONDS", description = "Give up (exit 3) when no runner is connected for this long (default: runner_timeout in .testbot.yml, then 60).")
    Integer runnerTimeout;

    @Option(names = "--files-per-job", paramLabel = "N", description = "Put N files in each job (default: balanced by the server).")
    int filesPerJob;

    @Option(names = "--local-fallback", description = "When no runner takes the build within --runner-timeout, run it on this machine instead of exiting 3.")
    boolean localFallback;

    @Option(names = "--dry-run", description = "Run nothing: print the expected wall time from runtime history and how many instances would bring it near its floor.")
    boolean dryRun;

    @Option(names = "--retry-failed", paramLabel = "N", description = "Re-run failing tests up to N times, on another runner where there is one; those that pass are reported as flaky (default: 0; rspec and cucumber).")
    int retryFailed;

    @Option(names = "--split", negatable = true, defaultValue = "true", fallbackValue = "true", description = "Split files that history shows to take longer than an instance's share of the build into groups of tests (default: on, for rspec, cucumber, test and junit; --no-split runs every file whole).")
    boolean split;

    @Option(names = "--warm", negatable = true, defaultValue = "true", fallbackValue = "true", description = "Local mode: run each instance's jobs in one framework process, booted once (default: on; --no-warm starts a process per job; runners decide with their own --no-warm).")
    boolean warm;

    @Option(names = "--keep-warm", negatable = true, description = "Local mode: keep a server and runner for this project in the background, whose workers boot "
            + "the project's helpers ahead of the next run; `testbot local stop` ends it (default: keep_warm in .testbot.yml, else on in a terminal and off "
            + "where CI is set or output goes to a file or pipe).")
    Boolean keepWarm;

    /** A run the project's kept-warm local mode was asked to serve (see AttachedRuns): kept warm unless told otherwise. */
    boolean servedKeptWarm;

    @Option(names = "--bundle-exec", negatable = true, description = "Run rspec, test and cucumber jobs under `bundle exec` (default: bundle_exec in .testbot.yml, "
            + "else when the project has a Gemfile and its Gemfile.lock).")
    Boolean bundleExec;

    @Option(names = "--fail-fast", description = "Stop the whole build at its first failing job.")
    boolean failFast;

    @Option(names = "--job-timeout", paramLabel = "SECONDS", description = "Stop a job that runs longer and report it as errored (default: job_timeout in .testbot.yml, then no limit).")
    Integer jobTimeout;

    @Option(names = "--junit-xml", paramLabel = "FILE", description = "Write one merged JUnit XML report of the build (for Jenkins, GitLab, GitHub).")
    Path junitXml;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the build's result as JSON: totals, files, jobs, runners, times, failures.")
    Path jsonReport;

    /** The adapter this command runs. */
    abstract String adapter();

    /**
     * Options of the framework's command from this command's own flags or the project's own configuration, after
     * .testbot.yml's and -O's; called once {@link #classpath} has run.
     */
    List<String> extraOptions(ProjectConfig file, Path root) throws Exception {
        return List.of();
    }

    /** How many files a job holds when neither --files-per-job nor anything else says: 0 lets the server balance. */
    int defaultFilesPerJob(Path root) throws Exception {
        return 0;
    }

    /** A JVM build's test classpath, resolved here; null for other frameworks. */
    List<Path> classpath(Path root) throws Exception {
        return null;
    }

    /** The file pattern when neither --pattern nor .testbot.yml gives one. */
    List<String> defaultPatterns() {
        return Adapters.get(adapter()).defaultPatterns();
    }

    private static Path absolute(Path path) {
        return path == null ? null : path.toAbsolutePath().normalize();
    }

    /** Where the run prints: the terminal's, or a client's when a kept-warm local mode serves the run ({@link AttachedRuns}). */
    java.io.PrintStream out = System.out;
    java.io.PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        return new Requester(config(), out, err).run();
    }

    /** The run's settings, from the command line, .testbot.yml and the environment; throws on a usage error. */
    RequesterConfig config() throws Exception {
        Path root = (projectDir != null ? projectDir : Path.of("")).toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) throw new IllegalArgumentException("no such project directory: " + root);
        ProjectConfig file = ProjectConfig.load(root);

        String server = local ? null : serverOptions.server(file);
        if (server != null) {
            ApiClient.baseUris(server);
            serverOptions.trust();
        }
        String effectiveToken = server == null ? null : serverOptions.token(file, root);
        int n = instances != null ? instances : file.instances() != null ? file.instances() : 0;
        if (n < 0) throw new IllegalArgumentException("--instances must be at least 1");
        List<Path> classpath = dryRun ? null : classpath(root);
        List<String> options = new ArrayList<>(file.optionsFor(adapter()));
        options.addAll(frameworkOptions);
        options.addAll(extraOptions(file, root));
        String patternUsed = pattern != null ? pattern : file.patternFor(adapter());
        List<String> patterns = patternUsed != null ? List.of(patternUsed) : defaultPatterns();
        List<String> ignores = new ArrayList<>(file.ignore() == null ? List.of() : file.ignore());
        int timeout = runnerTimeout != null ? runnerTimeout : file.runnerTimeout() != null ? file.runnerTimeout() : 60;
        if (timeout < 0) throw new IllegalArgumentException("--runner-timeout must not be negative");
        if (jobTimeout != null && jobTimeout < 0) throw new IllegalArgumentException("--job-timeout must not be negative");
        if (retryFailed < 0 || retryFailed > 10) throw new IllegalArgumentException("--retry-failed must be between 0 and 10");
        if (filesPerJob < 0) throw new IllegalArgumentException("--files-per-job must not be negative");
        if (server == null) io.testbot.requester.LocalMode.jvms(); // a usage error now, not when local mode's runner starts
        if (retryFailed > 0 && !Adapters.get(adapter()).rerunsById()) {
            throw new IllegalArgumentException("--retry-failed needs a framework that runs one test by its id (rspec, cucumber, junit), not " + adapter());
        }
        ignores.removeAll(ProjectScanner.DEFAULT_IGNORES);

        RequesterConfig config = new RequesterConfig(root, adapter(), server, effectiveToken, n, patterns, paths, options,
                beforeRun != null ? beforeRun : file.beforeRun(), ignores, filesPerJob > 0 ? filesPerJob : defaultFilesPerJob(root), Duration.ofSeconds(timeout), Paths.cacheDir(),
                failFast, jobTimeout != null ? jobTimeout : file.jobTimeout() != null ? file.jobTimeout() : 0, localFallback, dryRun,
                retryFailed, split, absolute(junitXml), absolute(jsonReport), classpath, warm,
                bundleExec != null ? bundleExec : file.bundleExec(),
                keepWarm != null ? keepWarm : file.keepWarm() != null ? file.keepWarm() : server == null && (servedKeptWarm || interactive()));
        return config;
    }

    /**
     * Whether someone runs this at a terminal, not a CI job or a script: local mode is kept warm for them by default,
     * as Gradle keeps its daemon and Spring its application (a run a developer repeats is then faster).
     */
    static boolean interactive() {
        String ci = System.getenv("CI");
        boolean inCi = ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false") && !ci.equals("0");
        return !inCi && System.console() != null;
    }
}
