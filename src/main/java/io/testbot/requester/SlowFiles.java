package io.testbot.requester;

import io.testbot.protocol.Estimate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which files are worth splitting, judged from runtime history: a file that would take longer than one
 * instance's share of the whole build is cut into parts of about half a share each (never shorter than a few job
 * start-ups, and at most two per instance), so that no single file holds the build up.
 */
final class SlowFiles {
    private SlowFiles() {}

    /** A part should be at least this many times as long as starting a job, or its start-up eats the gain. */
    static final double MIN_PART_IN_STARTUPS = 3;

    /**
     * @param assumedOverhead what starting a job costs if history has not measured it (the adapter's assumption)
     * @return the files to split, each with how many parts it should become
     */
    static Map<String, Integer> pieces(List<String> files, Estimate.Reply history, int instances, double assumedOverhead) {
        Map<String, Double> known = history.runtimes();
        if (instances < 2 || known.isEmpty()) return Map.of();
        double mean = known.values().stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double total = files.stream().mapToDouble(f -> known.getOrDefault(f, mean)).sum();
        double share = total / instances;
        double part = Math.max(share / 2, MIN_PART_IN_STARTUPS * history.overhead().orElse(assumedOverhead));
        Map<String, Integer> pieces = new LinkedHashMap<>();
        for (String file : files) {
            Double seconds = known.get(file);
            if (seconds == null || seconds <= share) continue;
            int k = (int) Math.min(2L * instances, (long) Math.ceil(seconds / part));
            if (k >= 2) pieces.put(file, k);
        }
        return pieces;
    }

    /** The build's entries: each split file replaced, where it stood, by its parts. */
    static List<String> entries(List<String> files, Map<String, List<String>> parts) {
        return files.stream().flatMap(f -> parts.getOrDefault(f, List.of(f)).stream()).toList();
    }
}
