package io.testbot.store;

/**
 * What builds have said of one file's runtime: an exponentially weighted mean of its runtimes and of their distance
 * from that mean (a running mean over the first few builds), so that one slow or fast build moves the plan a little
 * and a lasting change moves it within a few builds. Jobs are planned from {@link #estimate}, the mean and half its
 * spread: a little above the mean, since a file that runs longer than planned holds its instance past the others,
 * and one that runs shorter only frees it early.
 *
 * @param mean    the weighted mean runtime (seconds)
 * @param spread  the weighted mean distance of a build's runtime from the mean before it (seconds)
 * @param samples how many builds it has seen
 */
public record RuntimeHistory(double mean, double spread, int samples) {
    /** How much the newest build weighs, once there are more builds than its inverse. */
    static final double NEWEST_WEIGHT = 0.3;

    public static final RuntimeHistory NONE = new RuntimeHistory(0, 0, 0);

    /** This history with one more build's runtime. */
    public RuntimeHistory with(double seconds) {
        if (samples == 0) return new RuntimeHistory(seconds, 0, 1);
        double weight = Math.max(NEWEST_WEIGHT, 1.0 / (samples + 1));
        double distance = seconds - mean;
        return new RuntimeHistory(mean + weight * distance, (1 - weight) * spread + weight * Math.abs(distance), samples + 1);
    }

    /** The runtime to plan with (seconds). */
    public double estimate() {
        return mean + spread / 2;
    }
}
