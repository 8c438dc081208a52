package io.testbot.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Splits a build's files into jobs, in the order they are handed out. Files are weighed by their recorded runtime
 * (file size where there is no history) and taken longest first. Each job is filled up to a target that shrinks as
 * the work left shrinks: half of each instance's share of what remains, or a few times what starting a job costs
 * on this project if that is more, so that most of a job's time goes to tests rather than to booting the
 * framework. Once each instance's share of what is left is worth less than two such jobs, another round of
 * smaller jobs would cost more in start-ups than it gains in balance: the rest is packed into at most one job per
 * instance, longest first into the instance that would be free first, counting what the jobs planned before would
 * have given each instance (an instance busy with a long file gets less of the rest), then evened out by moving or
 * swapping files while that makes the last instance finish sooner. When every file has history the packing comes
 * at four such jobs per instance, not two: the estimates are better than sizes, but not good enough to pack more of
 * the build than that, since runtimes vary between builds (a file that runs longer than planned in a packed job
 * holds its instance past the others, while small jobs go to whichever instance is free). Packing half of each
 * instance's share, as testbot did, put builds of a suite whose runtimes vary by 40% at 1.18 times their ideal on
 * average, against 1.10 this way (simulated on 8 instances, bench/noisy.sh's suite). So the long files go first,
 * short files travel together, and the instances finish at about the same time. A fixed job size (filesPerJob)
 * keeps the order: longest first.
 */
public final class JobPlanner {
    private JobPlanner() {}

    /** A job should be at least this many times as long as starting it. */
    static final double MIN_JOB_IN_STARTUPS = 3;
    /** Pack the rest into one job per instance once each instance's share is worth fewer such jobs than this. */
    static final int PACK_BELOW_JOBS = 2;
    /** The same when every file's runtime is known. */
    static final int PACK_BELOW_JOBS_WITH_HISTORY = 4;
    /** A rebalancing step must make the last instance finish at least this much sooner (seconds). */
    private static final double EPSILON = 1e-3;
    /** Comparisons the rebalancing may make: milliseconds, however many files. */
    private static final long REBALANCE_BUDGET = 1_000_000;

    /**
     * @param instances   how many instances will pull these jobs
     * @param filesPerJob a fixed job size chosen by the user (0: plan as above)
     * @param overhead    the cost of starting one job on this project (seconds): measured, or until it is, what the
     *                    framework's adapter assumes
     */
    public static List<List<String>> plan(List<String> files, Map<String, Double> runtimes, Map<String, ? extends Number> sizes,
                                          int instances, int filesPerJob, double overhead) {
        Weights weights = new Weights(runtimes, sizes);
        List<String> ordered = new ArrayList<>(files);
        Comparator<String> byWeight = Comparator.comparingDouble(weights::of);
        ordered.sort(byWeight.reversed().thenComparing(Comparator.naturalOrder()));
        if (filesPerJob > 0) {
            List<List<String>> fixed = new ArrayList<>();
            for (int i = 0; i < ordered.size(); i += filesPerJob) fixed.add(List.copyOf(ordered.subList(i, Math.min(ordered.size(), i + filesPerJob))));
            return fixed;
        }
        Deque<String> left = new ArrayDeque<>(ordered);

        double remaining = ordered.stream().mapToDouble(weights::of).sum();
        double floor = MIN_JOB_IN_STARTUPS * overhead;
        int n = Math.max(1, instances);
        boolean history = runtimes.keySet().containsAll(files);
        double packAt = (history ? PACK_BELOW_JOBS_WITH_HISTORY : PACK_BELOW_JOBS) * floor;
        // When each instance would be free, had the jobs planned so far gone to whichever instance was free first.
        double[] busyUntil = new double[n];
        List<List<String>> jobs = new ArrayList<>();
        while (!left.isEmpty()) {
            if (remaining / n <= packAt) {
                jobs.addAll(packInto(busyUntil, left, weights, overhead));
                break;
            }
            double target = Math.max(remaining / (2 * n), floor);
            List<String> job = new ArrayList<>();
            double total = 0;
            do {
                String file = left.pollFirst();
                job.add(file);
                total += weights.of(file);
            } while (!left.isEmpty() && total + weights.of(left.peekFirst()) <= target);
            remaining -= total;
            jobs.add(List.copyOf(job));
            busyUntil[firstFree(busyUntil)] += overhead + total;
        }
        return jobs;
    }

    /**
     * A value per job entry from a value per file: an entry that is a whole file keeps its file's; a file split
     * into k parts gives each part a k-th of it (its parts hold about equal numbers of tests).
     */
    public static Map<String, Double> perEntry(List<String> entries, Map<String, ? extends Number> byFile, Function<String, String> fileOf) {
        Map<String, Integer> parts = new HashMap<>();
        for (String entry : entries) parts.merge(fileOf.apply(entry), 1, Integer::sum);
        Map<String, Double> result = new HashMap<>();
        for (String entry : entries) {
            String file = fileOf.apply(entry);
            Number value = byFile.get(file);
            if (value != null) result.put(entry, value.doubleValue() / parts.get(file));
        }
        return result;
    }

    private static int firstFree(double[] busyUntil) {
        int first = 0;
        for (int i = 1; i < busyUntil.length; i++) if (busyUntil[i] < busyUntil[first]) first = i;
        return first;
    }

    /**
     * Longest-processing-time packing into at most one job per instance, each file to the instance that would
     * finish first with it (a new job costs a start-up). The instance free first pulls first: its job goes first.
     */
    private static List<List<String>> packInto(double[] busyUntil, Deque<String> files, Weights weights, double overhead) {
        int n = busyUntil.length;
        List<List<String>> bins = new ArrayList<>();
        double[] finish = busyUntil.clone();
        for (int i = 0; i < n; i++) bins.add(new ArrayList<>());
        for (String file : files) {
            int best = 0;
            double bestFinish = Double.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                double at = finish[i] + (bins.get(i).isEmpty() ? overhead : 0) + weights.of(file);
                if (at < bestFinish) {
                    bestFinish = at;
                    best = i;
                }
            }
            bins.get(best).add(file);
            finish[best] = bestFinish;
        }
        rebalance(bins, finish, weights, overhead);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) if (!bins.get(i).isEmpty()) order.add(i);
        order.sort(Comparator.<Integer>comparingDouble(i -> busyUntil[i]).thenComparingDouble(i -> -(finish[i] - busyUntil[i])));
        return order.stream().map(i -> List.copyOf(bins.get(i))).toList();
    }

    /**
     * Improves a greedy packing, which can leave the last instance a file's length behind the others: while moving
     * one file from the instance that finishes last to another, or swapping one of its files for a shorter one of
     * another's, makes the last finish sooner without the other finishing as late, take the best such step. Each
     * step lowers the finishing times in order, so it ends; a budget of comparisons keeps it to milliseconds on
     * builds of many thousands of files.
     */
    private static void rebalance(List<List<String>> bins, double[] finish, Weights weights, double overhead) {
        int n = bins.size();
        long budget = REBALANCE_BUDGET;
        while (budget > 0) {
            int last = 0;
            for (int i = 1; i < n; i++) if (finish[i] > finish[last]) last = i;
            List<String> from = bins.get(last);
            double best = finish[last] - EPSILON;
            int target = -1;
            String moved = null;
            String back = null;
            search:
            for (int other = 0; other < n; other++) {
                if (other == last) continue;
                List<String> to = bins.get(other);
                for (String file : from) {
                    budget -= to.size() + 1;
                    if (budget < 0) break search; // take the best step found so far, then stop
                    double w = weights.of(file);
                    // Moving the last instance's only file saves its start-up; giving an idle instance one costs one.
                    double afterFrom = finish[last] - w - (from.size() == 1 ? overhead : 0);
                    double afterTo = finish[other] + w + (to.isEmpty() ? overhead : 0);
                    if (Math.max(afterFrom, afterTo) < best) {
                        best = Math.max(afterFrom, afterTo);
                        target = other;
                        moved = file;
                        back = null;
                    }
                    for (String swap : to) {
                        double delta = w - weights.of(swap);
                        if (delta <= 0) continue;
                        double worst = Math.max(finish[last] - delta, finish[other] + delta);
                        if (worst < best) {
                            best = worst;
                            target = other;
                            moved = file;
                            back = swap;
                        }
                    }
                }
            }
            if (target < 0) return;
            List<String> to = bins.get(target);
            double w = weights.of(moved);
            if (back == null) {
                finish[last] -= w + (from.size() == 1 ? overhead : 0);
                finish[target] += w + (to.isEmpty() ? overhead : 0);
                from.remove(moved);
                to.add(moved);
            } else {
                double delta = w - weights.of(back);
                finish[last] -= delta;
                finish[target] += delta;
                from.set(from.indexOf(moved), back);
                to.set(to.indexOf(back), moved);
            }
        }
    }

    /** A file's expected seconds; without history, its size relative to the mean file, scaled to the mean runtime. */
    private static final class Weights {
        final Map<String, Double> runtimes;
        final Map<String, ? extends Number> sizes;
        final double meanRuntime;
        final double meanSize;

        Weights(Map<String, Double> runtimes, Map<String, ? extends Number> sizes) {
            this.runtimes = runtimes;
            this.sizes = sizes;
            this.meanRuntime = runtimes.values().stream().mapToDouble(Double::doubleValue).average().orElse(1.0);
            this.meanSize = sizes.values().stream().mapToDouble(Number::doubleValue).average().orElse(1.0);
        }

        double of(String file) {
            Double seconds = runtimes.get(file);
            if (seconds != null) return seconds;
            Number size = sizes.get(file);
            if (size != null && meanSize > 0) return meanRuntime * size.doubleValue() / meanSize;
            return meanRuntime;
        }
    }
}
