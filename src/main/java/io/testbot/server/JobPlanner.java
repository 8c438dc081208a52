package io.testbot.server;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Splits a build's files into jobs. Files are weighed by their recorded runtime (file size where there is no
 * history) and packed longest first into about three jobs per instance, so a dynamic queue can even out the end.
 */
public final class JobPlanner {
    private JobPlanner() {}

    static final int JOBS_PER_INSTANCE = 3;

    public static List<List<String>> plan(List<String> files, Map<String, Double> runtimes, Map<String, Long> sizes,
                                          int instances, int filesPerJob) {
        if (filesPerJob > 0) {
            List<List<String>> fixed = new ArrayList<>();
            for (int i = 0; i < files.size(); i += filesPerJob) fixed.add(List.copyOf(files.subList(i, Math.min(files.size(), i + filesPerJob))));
            return fixed;
        }
        double meanRuntime = runtimes.values().stream().mapToDouble(Double::doubleValue).average().orElse(1.0);
        double meanSize = sizes.values().stream().mapToLong(Long::longValue).average().orElse(1.0);
        List<String> ordered = new ArrayList<>(files);
        Comparator<String> byWeight = Comparator.comparingDouble(f -> weight(f, runtimes, sizes, meanRuntime, meanSize));
        ordered.sort(byWeight.reversed().thenComparing(Comparator.naturalOrder()));

        int jobs = Math.max(1, Math.min(files.size(), instances * JOBS_PER_INSTANCE));
        record Bin(int index, List<String> files, double[] total) {}
        PriorityQueue<Bin> bins = new PriorityQueue<>(Comparator.<Bin>comparingDouble(b -> b.total()[0]).thenComparingInt(Bin::index));
        List<Bin> all = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            Bin bin = new Bin(i, new ArrayList<>(), new double[1]);
            bins.add(bin);
            all.add(bin);
        }
        for (String file : ordered) {
            Bin lightest = bins.poll();
            lightest.files().add(file);
            lightest.total()[0] += weight(file, runtimes, sizes, meanRuntime, meanSize);
            bins.add(lightest);
        }
        all.sort(Comparator.<Bin>comparingDouble(b -> b.total()[0]).reversed().thenComparingInt(Bin::index));
        List<List<String>> result = new ArrayList<>();
        for (Bin bin : all) if (!bin.files().isEmpty()) result.add(List.copyOf(bin.files()));
        return result;
    }

    /** A file's expected cost; without history, its size relative to the mean stands in, scaled to mean runtime. */
    private static double weight(String file, Map<String, Double> runtimes, Map<String, Long> sizes, double meanRuntime, double meanSize) {
        Double seconds = runtimes.get(file);
        if (seconds != null) return seconds;
        Long size = sizes.get(file);
        if (size != null && meanSize > 0) return meanRuntime * size / meanSize;
        return meanRuntime;
    }
}
