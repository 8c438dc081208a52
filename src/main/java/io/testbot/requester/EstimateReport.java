package io.testbot.requester;

import io.testbot.protocol.Estimate;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * Turns runtime history into an expected wall time: the work spread over the instances, or the longest file,
 * whichever is longer, plus one job start-up; and how many instances it takes to reach that floor.
 */
final class EstimateReport {
    private EstimateReport() {}

    /**
     * @param splits          whether slow files will be split into parts (the adapter can, and --no-split was not given)
     * @param assumedOverhead what starting a job costs where it has not been measured yet (the adapter's assumption)
     */
    static void print(PrintStream out, List<String> files, Estimate.Reply reply, int instances, String where, boolean splits, double assumedOverhead) {
        Map<String, Double> known = reply.runtimes();
        if (known.isEmpty()) {
            out.println("testbot: no runtime history for these " + files.size() + " file(s) " + where + " yet; run a build first");
            return;
        }
        double knownTotal = known.values().stream().mapToDouble(Double::doubleValue).sum();
        double mean = knownTotal / known.size();
        int unknown = (int) files.stream().filter(f -> !known.containsKey(f)).count();
        double total = knownTotal + unknown * mean;
        Map.Entry<String, Double> longest = known.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
        double overhead = reply.overhead().orElse(assumedOverhead);
        int n = Math.max(1, instances);
        Units units = new Units(total, longest.getValue(), overhead, splits);
        int enough = units.enough();

        out.printf("testbot: %d file(s), %d with history %s: %.2f s of tests%s, the longest %.2f s (%s); job start-up %.2f s%s%n",
                files.size(), known.size(), where, total, unknown > 0 ? String.format(" (%d without history counted at the mean, %.2f s)", unknown, mean) : "",
                longest.getValue(), longest.getKey(), overhead, reply.jobOverhead() == null ? " (assumed; not measured yet)" : "");
        int parts = units.parts(n);
        if (parts > 1) out.printf("the longest file would be split into %d parts of its examples%n", parts);
        out.printf("expected wall time on %d instance(s): %.1f s%n", n, units.expected(n));
        if (enough > n) {
            out.printf("more instances help up to about %d, which would bring it to %.1f s; beyond that the %s bounds the build%n",
                    enough, units.expected(enough), splits ? "cost of starting a job" : "longest file");
        } else {
            out.printf("more instances would not help: the %s (%.2f s) bounds the build already%n",
                    parts > 1 ? "longest part of a file" : "longest file", units.longestUnit(n));
        }
    }

    /** The build's work against how finely it can be cut on a given number of instances. */
    record Units(double total, double longestFile, double overhead, boolean splits) {
        /** How many parts the longest file becomes on n instances (1: it runs whole). */
        int parts(int n) {
            if (!splits) return 1;
            return SlowFiles.pieces(List.of("longest", "rest"), new Estimate.Reply(Map.of("longest", longestFile, "rest", total - longestFile), overhead, n), n, overhead)
                    .getOrDefault("longest", 1);
        }

        double longestUnit(int n) {
            return longestFile / parts(n);
        }

        double expected(int n) {
            return Math.max(total / n, longestUnit(n)) + overhead;
        }

        /** The fewest instances beyond which the longest unit, not the spread, bounds the build. */
        int enough() {
            for (int n = 1; n < 10_000; n++) if (total / n <= longestUnit(n)) return n;
            return 10_000;
        }
    }
}
