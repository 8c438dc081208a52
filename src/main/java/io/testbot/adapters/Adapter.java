package io.testbot.adapters;

import io.testbot.protocol.FileResult;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One test framework: which files it runs, the command that runs a set of them, and how to read its structured
 * results. Adding a framework means adding one implementation and registering it in {@link Adapters}.
 */
public interface Adapter {
    /** The name used on the command line and the wire, e.g. "rspec". */
    String name();

    /** Glob patterns, relative to the project root, of the files this framework runs by default. */
    List<String> defaultPatterns();

    /** The argument vector that runs these files and writes structured results to resultFile. */
    List<String> command(List<String> files, List<String> options, Path resultFile);

    /** What a user types to run these files by hand (for job headers and re-runs). */
    String displayCommand(List<String> files, List<String> options);

    /**
     * Reads the structured results the command wrote.
     *
     * @throws IOException when there are none or they cannot be read; the job is then reported as errored
     */
    Results readResults(Path resultFile, List<String> files) throws IOException;

    /** The totals line in the framework's own words, e.g. "3 examples, 1 failure, 1 pending". */
    String totalsLine(Totals totals);

    /** The command that re-runs one failure, e.g. "rspec ./spec/a_spec.rb:12". */
    String rerunCommand(FileResult.Failure failure);

    /** Parsed results of one job; errorsOutsideExamples counts load errors and the like. */
    record Results(List<FileResult> files, int errorsOutsideExamples) {}

    /** Sums over a whole build. */
    record Totals(int examples, int failures, int pending, int errors) {
        public static Totals of(List<FileResult> files, int errors) {
            int examples = 0, failures = 0, pending = 0;
            for (FileResult f : files) {
                examples += f.examples();
                failures += f.failures();
                pending += f.pending();
            }
            return new Totals(examples, failures, pending, errors);
        }
    }
}
