package io.testbot.adapters;

import io.testbot.protocol.FileResult;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One test framework: which files it runs, the command that runs a set of them, and how to read its structured
 * results. Adding a framework means adding one implementation and registering it in {@link Adapters}.
 */
public interface Adapter {
    /** The name used on the command line and the wire, e.g. "rspec". */
    String name();

    /** Glob patterns, relative to the project root, of the files this framework runs by default. */
    List<String> defaultPatterns();

    /** Whether a file that matches the patterns is a test file of its own (JUnit: not a nested class). */
    default boolean isTestFile(String path) {
        return true;
    }

    /** Matchers of project-relative paths for glob patterns; "dir/**&#47;x" matches dir/x too, as in a shell. */
    static List<java.nio.file.PathMatcher> matchers(List<String> patterns) {
        List<java.nio.file.PathMatcher> matchers = new java.util.ArrayList<>();
        for (String pattern : patterns) {
            matchers.add(java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + pattern));
            if (pattern.contains("**/")) matchers.add(java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + pattern.replace("**/", "")));
        }
        return matchers;
    }

    /**
     * Whether its worker's boot loads the project (a test helper), not only the framework: such a worker booted
     * ahead of a build in the project's copy saves that build the boot, if the build changed nothing it loaded (see
     * io.testbot.runner.BootRecipe).
     */
    default boolean workerBootsProject() {
        return false;
    }

    /**
     * Whether its test processes compile the code they run as they go (a JVM's JIT), so that more of them at once
     * than the machine has cores cost more than they give: a runner then runs at most one per core at a time (see
     * io.testbot.runner.CoreSlots), however many instances it has.
     */
    default boolean processesBoundToCores() {
        return false;
    }

    /**
     * Whether a job's process loads every test file of its build before the job's own, and runs only the job's tests,
     * as the framework's one process loads them all (Test::Unit and minitest: a test that uses a class another test
     * file defines passes there). Its processes find the build's list of files in the file TESTBOT_SUITE names.
     */
    default boolean loadsWholeSuite() {
        return false;
    }

    /**
     * The argument vector that runs these files and writes structured results to resultFile; it may put helper
     * files beside resultFile, and more results in {@link #sideFile}.
     */
    List<String> command(List<String> files, List<String> options, Path resultFile) throws IOException;

    /**
     * A command that stays up and runs job after job, each sent to it as one line (see {@link #workerJob}), so that
     * a job does not pay the framework's boot; null when the framework has none.
     *
     * @param tools   a directory where helper files may be written
     * @param options the build's options (the same for all its jobs); empty for a spare, booted before any build
     * @return the command, or null when the framework has no worker, or none for these options
     */
    default List<String> workerCommand(Path tools, List<String> options) throws IOException {
        return null;
    }

    /**
     * A command that starts in milliseconds and becomes a spare worker forked from a booted one (a zygote: the
     * {@link #workerCommand} with TESTBOT_WORKER_ZYGOTE naming a socket; the stub finds it in TESTBOT_ZYGOTE). The
     * stub makes itself a process group leader, the fork joins its group, and the stub exits with the fork's
     * status; without a zygote to reach it boots a spare itself. Null when the framework has no such stub.
     */
    default List<String> spareStubCommand(Path tools) throws IOException {
        return null;
    }

    /**
     * Whether a spare (see {@link #spareStubCommand}), which preloaded the framework as installed, may run the jobs of
     * the project at root: not when the project is that framework, or part of it, whose own copy its jobs must load.
     */
    default boolean sparesServe(Path root) {
        return true;
    }

    /** The line that asks a worker from {@link #workerCommand} to run these files and write results to resultFile. */
    default String workerJob(List<String> files, List<String> options, Path resultFile) {
        throw new UnsupportedOperationException(name() + " has no worker");
    }

    /**
     * Whether its worker can share a job of these files with another instance: it begins each file only once it
     * has claimed it in a claims directory ({@link #workerJob(List, List, Path, Path)}), and leaves out the files
     * another process claimed first.
     */
    default boolean sharesFiles(List<String> files) {
        return false;
    }

    /** {@link #workerJob(List, List, Path)} for a job whose files not yet begun another instance may take ({@link #sharesFiles}). */
    default String workerJob(List<String> files, List<String> options, Path resultFile, Path claims) {
        return workerJob(files, options, resultFile);
    }

    /** What a user types to run these files by hand (for job headers and re-runs). */
    String displayCommand(List<String> files, List<String> options);

    /**
     * Reads the structured results the command wrote.
     *
     * @param exitCode the command's exit status
     * @throws IOException when there are none or they cannot be read; the job is then reported as errored
     */
    Results readResults(Path resultFile, List<String> files, int exitCode, List<String> options) throws IOException;

    /** What the framework calls its tests, for headings: "examples", "tests", "scenarios". */
    default String testsNoun() {
        return "tests";
    }

    /** The totals line in the framework's own words, e.g. "3 examples, 1 failure, 1 pending". */
    String totalsLine(Totals totals);

    /** The command that re-runs one failure, e.g. "rspec ./spec/a_spec.rb:12". */
    String rerunCommand(FileResult.Failure failure);

    /**
     * The file a job entry belongs to. Entries are files, or parts of a file where the framework can run one
     * (rspec: "spec/a_spec.rb[1:2,1:3]").
     *
     * @throws IllegalArgumentException when the entry names a part in a form this framework does not accept
     */
    default String fileOf(String entry) {
        return entry;
    }

    /**
     * The names of the requester's variables that this framework reads, whatever machine its jobs run on (rspec's
     * SPEC_OPTS): a build carries their values from the requester, and a runner gives its jobs those values or none
     * of its own. A build may carry no other variables.
     */
    default java.util.Set<String> requesterVariables() {
        return java.util.Set.of();
    }

    /** This requester's values of {@link #requesterVariables}, for a build of the project at root; unset ones are left out. */
    default Map<String, String> requesterEnvironment(Path root) throws IOException {
        return Map.of();
    }

    /**
     * The test files a run of the framework alone would run here, where its own configuration can change them
     * (rspec's .rspec with --exclude-pattern, say); null when testbot's patterns find them as the framework does.
     *
     * @param patterns the patterns testbot was given, or the framework's defaults
     * @param paths    files and directories given on the command line (checked to exist in the project)
     * @param tools    a directory of this user's where the adapter may keep helper files between runs
     * @throws IOException when the framework cannot be asked here
     */
    default List<String> filesToRun(Path root, List<String> patterns, List<String> paths, List<String> options, Path tools)
            throws IOException, InterruptedException {
        return null;
    }

    /** Whether {@link #filesToRun} would ask the framework (its configuration can change the choice), without asking it. */
    default boolean choosesFiles(Path root, List<String> patterns, List<String> options) throws IOException {
        return false;
    }

    /**
     * The files of a job that its framework's output names as not loading, when the job gave no results because of
     * them (a feature that does not parse stops cucumber before it runs anything), with their errors; the runner
     * then runs the job's other entries again without them. Empty when the output names none.
     */
    default Map<String, String> notLoaded(String output, List<String> entries) {
        return Map.of();
    }

    /** What is wrong with a build's options for this framework, or null when nothing is. */
    default String optionsProblem(List<String> options) {
        return null;
    }

    /**
     * Whether a failure's {@link FileResult.Failure#id} is itself a job entry that runs just that test, so that
     * --retry-failed can re-run it.
     */
    default boolean rerunsById() {
        return false;
    }

    /** Seconds: about what booting rspec without Rails takes, for frameworks that boot for every job. */
    double ASSUMED_JOB_OVERHEAD = 0.3;

    /**
     * What starting one job is assumed to cost on a project where none has been measured yet (seconds): a first
     * build has to size its jobs before it has measured anything. By default a boot of the framework.
     */
    default double assumedJobOverhead() {
        return ASSUMED_JOB_OVERHEAD;
    }

    /** The same on runners that start a process per job (--no-warm), where every job boots the framework. */
    default double assumedJobOverhead(boolean processPerJob) {
        return processPerJob ? Math.max(ASSUMED_JOB_OVERHEAD, assumedJobOverhead()) : assumedJobOverhead();
    }

    /** Whether {@link #split} can cut a file into parts. */
    default boolean canSplit() {
        return false;
    }

    /** Whether {@link #split} runs the framework here to list the tests (rspec --dry-run), or cuts parts without. */
    default boolean splitListsTests() {
        return true;
    }

    /**
     * Splits files into parts that run apart, by running the framework here in the project (e.g. rspec --dry-run),
     * or by number when the framework can pick a part's tests itself (see {@link #splitListsTests}).
     *
     * @param pieces how many parts each file should become
     * @param tools  a directory of this user's where the adapter may keep helper files between runs
     * @return each file that was split, with its parts in order; files that cannot be split are left out
     * @throws IOException when the framework cannot list the files' tests
     */
    default Map<String, List<String>> split(Path root, Map<String, Integer> pieces, List<String> options, Path tools) throws IOException, InterruptedException {
        return Map.of();
    }

    /** Where a job's process may write what its framework's own results do not carry (files that failed to load). */
    static Path sideFile(Path resultFile) {
        return resultFile.resolveSibling(resultFile.getFileName() + ".testbot");
    }

    /**
     * Parsed results of one job; errorsOutsideExamples counts errors outside any test that no file's result
     * carries (a file that failed to load carries its own error).
     */
    record Results(List<FileResult> files, int errorsOutsideExamples) {}

    /**
     * Sums over a whole build; errors are jobs that produced no complete results, notLoaded the files that failed
     * to load (rspec counts both as errors outside of examples).
     */
    record Totals(int examples, int failures, int pending, int errors, int notLoaded, Map<String, Integer> counts) {
        public static Totals of(List<FileResult> files, int errors) {
            int examples = 0, failures = 0, pending = 0, notLoaded = 0;
            Map<String, Integer> counts = new java.util.TreeMap<>();
            for (FileResult f : files) {
                examples += f.examples();
                failures += f.failures();
                pending += f.pending();
                if (f.error() != null) notLoaded++;
                f.counts().forEach((k, v) -> counts.merge(k, v, Integer::sum));
            }
            return new Totals(examples, failures, pending, errors, notLoaded, counts);
        }

        /** What follows a framework's own totals when jobs or files did not run: ", 1 file did not load". */
        public String problems(String separator) {
            StringBuilder text = new StringBuilder();
            if (errors > 0) text.append(separator).append(errors).append(" job(s) without complete results");
            if (notLoaded > 0) text.append(separator).append(notLoaded).append(notLoaded == 1 ? " file" : " files").append(" did not load");
            return text.toString();
        }

        public int count(String name) {
            return counts.getOrDefault(name, 0);
        }
    }
}
