package io.testbot.adapters;

import io.testbot.protocol.FileResult;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Any command that takes a list of files: {@code testbot run --command 'bin/check {files}'}. The command template is
 * the build's first option; {files} becomes the job's files, shell-quoted (they are appended when it is absent).
 * There are no structured results: a job passes or fails by its exit status, and every file of a failing job
 * counts as failed, with the command that re-runs it alone.
 */
public final class CommandAdapter implements Adapter {
    public static final String FILES = "{files}";

    @Override
    public String name() {
        return "run";
    }

    @Override
    public List<String> defaultPatterns() {
        return List.of();
    }

    /** The command, after noting when it starts in resultFile: the job's time, shared by its files, is their history. */
    @Override
    public List<String> command(List<String> files, List<String> options, Path resultFile) {
        return List.of("sh", "-c", "date +%s%N > \"$0\"; " + expand(options, files), resultFile.toString());
    }

    @Override
    public String optionsProblem(List<String> options) {
        if (options.isEmpty() || options.get(0) == null || options.get(0).isBlank()) return "the run adapter needs a command as its first option";
        return options.size() > 1 ? "the run adapter takes one option, the command" : null;
    }

    @Override
    public String displayCommand(List<String> files, List<String> options) {
        return expand(options, files);
    }

    @Override
    public Results readResults(Path resultFile, List<String> files, int exitCode, List<String> options) {
        double seconds = secondsSince(resultFile) / Math.max(1, files.size());
        List<FileResult> results = new ArrayList<>();
        for (String file : files) {
            List<FileResult.Failure> failed = exitCode == 0 ? List.of()
                    : List.of(new FileResult.Failure(file, "in a job of " + files.size() + " file(s) that exited with status " + exitCode,
                    expand(options, List.of(file))));
            String status = exitCode == 0 ? FileResult.TestCase.PASSED : FileResult.TestCase.FAILED;
            results.add(new FileResult(file, 1, failed.size(), 0, seconds, failed, Map.of(),
                    List.of(new FileResult.TestCase("run", file, seconds, status, exitCode == 0 ? null : "exit status " + exitCode,
                            failed.isEmpty() ? null : failed.get(0).rerunId()))));
        }
        return new Results(results, 0);
    }

    @Override
    public String testsNoun() {
        return "files";
    }

    @Override
    public String totalsLine(Totals t) {
        String line = t.examples() + " file" + (t.examples() == 1 ? "" : "s") + ", " + t.failures() + " failed";
        return line + t.problems(", ");
    }

    /** The failure's id is the command that runs its file alone. */
    @Override
    public String rerunCommand(FileResult.Failure failure) {
        return failure.id();
    }

    /** Seconds since the time written in the file (nanoseconds since the epoch), or 0 when there is none. */
    private static double secondsSince(Path startFile) {
        try {
            long started = Long.parseLong(java.nio.file.Files.readString(startFile).strip());
            return Math.max(0, (System.currentTimeMillis() * 1_000_000L - started) / 1e9);
        } catch (java.io.IOException | NumberFormatException e) {
            return 0;
        }
    }

    static String expand(List<String> options, List<String> files) {
        if (options.isEmpty() || options.get(0).isBlank()) throw new IllegalArgumentException("the run adapter needs a command");
        String template = options.get(0);
        String quoted = ShellWords.join(files);
        return template.contains(FILES) ? template.replace(FILES, quoted) : template + " " + quoted;
    }
}
