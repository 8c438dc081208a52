package io.testbot.requester;

import io.testbot.adapters.Adapter;
import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.JobResult;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Collects job results as they arrive and prints the one summary of a build. */
final class Summary {
    private final Adapter adapter;
    private final List<FileResult> files = new ArrayList<>();
    private final Set<String> reported = new HashSet<>();
    private final Set<String> duplicated = new java.util.TreeSet<>();
    private final Set<String> instances = new HashSet<>();
    /** Failing examples by id, in the order they failed; a re-run that passes moves one to flaky. */
    private final java.util.Map<String, FileResult.Failure> failing = new java.util.LinkedHashMap<>();
    private final java.util.Map<String, FileResult.Failure> flaky = new java.util.LinkedHashMap<>();
    private final List<String> erroredJobs = new ArrayList<>();
    private final Set<String> runners = new HashSet<>();
    private final List<Job> jobs = new ArrayList<>();
    private int jobsDone;
    private double jobSeconds;

    /** One job as it ran, for the JSON report. */
    record Job(String runner, int instance, int attempt, List<String> entries, String command, int exitCode, boolean errored,
               double seconds, double setupSeconds) {}

    Summary(Adapter adapter) {
        this.adapter = adapter;
    }

    /**
     * @param attempt  0 for the build's own jobs, n for the n-th re-run of failing examples
     * @param jobFiles what the job ran: files or parts of files, or for a re-run the ids of the examples
     */
    void add(String runner, JobResult result, int attempt, List<String> jobFiles) {
        jobs.add(new Job(runner, result.instance(), attempt, List.copyOf(jobFiles), result.command(), result.exitCode(), result.errored(),
                result.seconds(), result.setupSeconds()));
        runners.add(runner);
        jobSeconds += result.seconds();
        instances.add(runner + "#" + result.instance());
        if (attempt == 0) {
            jobsDone++;
            files.addAll(result.files());
            result.files().forEach(f -> f.failed().forEach(failure -> failing.put(failure.rerunId(), failure)));
            // Completeness is per submitted entry (a file, or a part of a split file), as the job ran it.
            if (!result.files().isEmpty()) {
                for (String entry : jobFiles) if (!reported.add(entry)) duplicated.add(entry);
            }
        } else if (!result.errored()) {
            Set<String> stillFailing = result.failedIds();
            for (String id : jobFiles) {
                FileResult.Failure passed = stillFailing.contains(id) ? null : failing.remove(id);
                if (passed != null) flaky.put(id, passed);
            }
        }
        if (result.incomplete()) erroredJobs.add(result.command() + "   # on " + runner + ", exit status " + result.exitCode());
    }

    int jobsDone() {
        return jobsDone;
    }

    Set<String> reportedFiles() {
        return reported;
    }

    Set<String> duplicatedFiles() {
        return duplicated;
    }

    /** The results of the build's own jobs (not re-runs): per file, or per part of a split file. */
    List<FileResult> files() {
        return files;
    }

    List<Job> jobs() {
        return jobs;
    }

    java.util.Collection<FileResult.Failure> failing() {
        return failing.values();
    }

    /** Failures that passed on a re-run, by re-run id. */
    java.util.Map<String, FileResult.Failure> flaky() {
        return flaky;
    }

    List<String> erroredJobs() {
        return erroredJobs;
    }

    Set<String> runners() {
        return runners;
    }

    Adapter.Totals totals() {
        Adapter.Totals all = Adapter.Totals.of(files, erroredJobs.size());
        return new Adapter.Totals(all.examples(), failing.size(), all.pending(), erroredJobs.size(), all.counts());
    }

    boolean passed() {
        return erroredJobs.isEmpty() && failing.isEmpty();
    }

    void print(PrintStream out, BuildInfo build, Set<String> unaccounted, double wallSeconds) {
        Adapter.Totals totals = totals();
        StringBuilder text = new StringBuilder("\n");
        List<FileResult.Failure> failures = List.copyOf(failing.values());
        if (!flaky.isEmpty()) {
            text.append("Flaky ").append(adapter.testsNoun()).append(" (failed, then passed when re-run):\n\n");
            for (FileResult.Failure f : flaky.values()) text.append(adapter.rerunCommand(f)).append(" # ").append(f.description()).append('\n');
            text.append('\n');
        }
        if (!failures.isEmpty()) {
            text.append("Failed ").append(adapter.testsNoun()).append(":\n\n");
            for (FileResult.Failure f : failures) text.append(adapter.rerunCommand(f)).append(" # ").append(f.description()).append('\n');
            text.append('\n');
        }
        if (!erroredJobs.isEmpty()) {
            text.append("Errored jobs (no complete results; their output is above):\n\n");
            erroredJobs.forEach(j -> text.append("  ").append(j).append('\n'));
            text.append('\n');
        }
        if (!unaccounted.isEmpty()) {
            text.append("testbot: ").append(unaccounted.size()).append(" file(s) have no result: ")
                    .append(String.join(", ", unaccounted.stream().sorted().limit(10).toList())).append('\n');
        }
        if (!duplicated.isEmpty()) {
            text.append("testbot: ").append(duplicated.size()).append(" file(s) have more than one result: ")
                    .append(String.join(", ", duplicated.stream().limit(10).toList())).append('\n');
        }
        if ("cancelled".equals(build.status())) text.append("testbot: build ").append(build.id()).append(" was cancelled\n");
        text.append(adapter.totalsLine(totals)).append(flaky.isEmpty() ? "" : ", " + flaky.size() + " flaky (passed when re-run)").append('\n');
        text.append(String.format("Wall time %.2f s, summed job time %.2f s, %d job(s) on %d runner(s) (build %d, %s)%n",
                wallSeconds, jobSeconds, jobsDone, runners.size(), build.id(), build.status()));
        double ideal = idealSeconds();
        if (ideal > 0) {
            text.append(String.format("Ideal wall time for %d instance(s) %.2f s; this build took %.2fx the ideal%n",
                    instances.size(), ideal, wallSeconds / ideal));
        }
        synchronized (out) {
            out.print(text);
            out.flush();
        }
    }

    /**
     * The best any schedule on the instances this build used could do: the summed job time spread evenly, or the
     * longest file or part of a file that ran as one, whichever is longer.
     */
    double idealSeconds() {
        if (instances.isEmpty()) return 0;
        double longestFile = files.stream().mapToDouble(FileResult::seconds).max().orElse(0);
        return Math.max(jobSeconds / instances.size(), longestFile);
    }

    static String bytes(long n) {
        if (n < 1024) return n + " B";
        if (n < 1024 * 1024) return String.format("%.1f KiB", n / 1024.0);
        return String.format("%.1f MiB", n / (1024.0 * 1024));
    }
}
