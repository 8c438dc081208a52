package io.testbot.requester;

import io.testbot.adapters.Adapter;
import io.testbot.protocol.BuildTally;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.JobResult;
import io.testbot.protocol.Verdict;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A build's results as the requester follows its events: every file's and job's result, and the tally its verdict
 * comes from. The console, the summary and the reports read it (see {@link BuildListener}).
 */
final class BuildResults {
    private final Adapter adapter;
    private final BuildTally tally = new BuildTally();
    private final List<FileResult> files = new ArrayList<>();
    private final Set<String> instances = new HashSet<>();
    private final Set<String> runners = new HashSet<>();
    private final List<Job> jobs = new ArrayList<>();
    private int jobsDone;
    private double jobSeconds;

    /** One job as it ran, for the JSON report. */
    record Job(String runner, int instance, int attempt, List<String> entries, String command, int exitCode, boolean errored,
               double seconds, double setupSeconds) {}

    BuildResults(Adapter adapter) {
        this.adapter = adapter;
    }

    /**
     * @param attempt 0 for the build's own jobs, n for the n-th re-run of failing tests
     * @param entries what the job ran: files or parts of files, or for a re-run the ids of the tests
     */
    void add(String runner, JobResult result, int attempt, List<String> entries) {
        jobs.add(new Job(runner, result.instance(), attempt, List.copyOf(entries), result.command(), result.exitCode(), result.errored(),
                result.seconds(), result.setupSeconds()));
        runners.add(runner);
        jobSeconds += result.seconds();
        instances.add(runner + "#" + result.instance());
        if (attempt == 0) {
            jobsDone++;
            files.addAll(result.files());
        }
        tally.add(runner, result, attempt, entries);
    }

    /** The verdict once the build is over, given the entries it was submitted with. */
    Verdict verdict(Collection<String> submitted, boolean cancelled) {
        return tally.verdict(submitted, cancelled);
    }

    Adapter adapter() {
        return adapter;
    }

    BuildTally tally() {
        return tally;
    }

    int jobsDone() {
        return jobsDone;
    }

    double jobSeconds() {
        return jobSeconds;
    }

    /** The results of the build's own jobs (not re-runs): per file, or per part of a split file. */
    List<FileResult> files() {
        return files;
    }

    List<Job> jobs() {
        return jobs;
    }

    Set<String> runners() {
        return runners;
    }

    int instances() {
        return instances.size();
    }

    /** The totals in the framework's terms: a test counts as failed once however often it ran, and not if a re-run passed. */
    Adapter.Totals totals() {
        Adapter.Totals all = Adapter.Totals.of(files, tally.erroredJobs().size());
        return new Adapter.Totals(all.examples(), tally.failing().size(), all.pending(), all.errors(), all.notLoaded(), all.counts());
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
}
