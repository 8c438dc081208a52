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
    static final double DEFAULT_OVERHEAD = 0.3;

    private EstimateReport() {}

    static void print(PrintStream out, List<String> files, Estimate.Reply reply, int instances, String where) {
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
        double overhead = reply.overhead().orElse(DEFAULT_OVERHEAD);
        int n = Math.max(1, instances);
        double expected = expected(total, longest.getValue(), overhead, n);
        int enough = (int) Math.ceil(total / Math.max(longest.getValue(), 1e-9));

        out.printf("testbot: %d file(s), %d with history %s: %.2f s of tests%s, the longest %.2f s (%s); job start-up %.2f s%s%n",
                files.size(), known.size(), where, total, unknown > 0 ? String.format(" (%d without history counted at the mean, %.2f s)", unknown, mean) : "",
                longest.getValue(), longest.getKey(), overhead, reply.jobOverhead() == null ? " (assumed; not measured yet)" : "");
        out.printf("expected wall time on %d instance(s): %.1f s%n", n, expected);
        if (enough > n) {
            out.printf("more instances help up to about %d, which would bring it to %.1f s; beyond that the longest file bounds the build%n",
                    enough, expected(total, longest.getValue(), overhead, enough));
        } else {
            out.printf("more instances would not help: the longest file (%.2f s) bounds the build already%n", longest.getValue());
        }
    }

    static double expected(double total, double longest, double overhead, int instances) {
        return Math.max(total / instances, longest) + overhead;
    }
}
