package io.testbot.protocol;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a build's job results add up to for its verdict: the server keeps one per running build, and the requester
 * one from the events it follows, so that both decide the same way. Not thread-safe.
 */
public final class BuildTally {
    /** Failing tests by re-run id, in the order they failed; a re-run that passes moves one to flaky. */
    private final Map<String, FileResult.Failure> failing = new LinkedHashMap<>();
    private final Map<String, FileResult.Failure> flaky = new LinkedHashMap<>();
    private final List<String> erroredJobs = new ArrayList<>();
    private final Map<String, String> notLoaded = new TreeMap<>();
    private final Set<String> reported = new HashSet<>();
    private final Set<String> duplicated = new TreeSet<>();

    /**
     * Folds in one job's result.
     *
     * @param where    the runner (for the list of errored jobs)
     * @param attempt  0 for the build's own jobs, n for the n-th re-run of failing tests
     * @param entries  what the job ran: files or parts of files, or for a re-run the ids of the tests
     */
    public void add(String where, JobResult result, int attempt, List<String> entries) {
        if (attempt == 0) {
            for (FileResult file : result.files()) {
                file.failed().forEach(failure -> failing.put(failure.rerunId(), failure));
                if (file.error() != null) notLoaded.put(file.path(), file.error());
            }
            // Completeness is per submitted entry (a file, or a part of a split file), as the job ran it.
            if (!result.files().isEmpty()) {
                for (String entry : entries) if (!reported.add(entry)) duplicated.add(entry);
            }
        } else if (!result.errored()) {
            Set<String> stillFailing = result.failedIds();
            for (String id : entries) {
                FileResult.Failure passed = stillFailing.contains(id) ? null : failing.remove(id);
                if (passed != null) flaky.put(id, passed);
            }
        }
        if (result.incomplete()) erroredJobs.add(result.command() + "   # on " + where + ", exit status " + result.exitCode());
    }

    /** Whether a result like this one fails the build for good (no re-run can mend it): for --fail-fast. */
    public static boolean failsForGood(JobResult result, boolean retried) {
        return result.incomplete() || result.files().stream().anyMatch(f -> f.error() != null) || (!result.failedIds().isEmpty() && !retried);
    }

    /**
     * The verdict once the build is over.
     *
     * @param submitted the entries the build was submitted with
     */
    public Verdict verdict(Collection<String> submitted, boolean cancelled) {
        List<String> without = submitted.stream().filter(entry -> !reported.contains(entry)).sorted().toList();
        return new Verdict(failing.size(), erroredJobs.size(), notLoaded.size(), without, List.copyOf(duplicated), cancelled);
    }

    public Collection<FileResult.Failure> failing() {
        return failing.values();
    }

    /** Failures that passed on a re-run, by re-run id. */
    public Map<String, FileResult.Failure> flaky() {
        return flaky;
    }

    public List<String> erroredJobs() {
        return erroredJobs;
    }

    /** Files that failed to load, with their errors. */
    public Map<String, String> notLoaded() {
        return notLoaded;
    }

    public Set<String> reported() {
        return reported;
    }
}
