package io.testbot.server;

import io.testbot.adapters.Adapter;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class JobPlannerTest {
    static final double BOOT = Adapter.ASSUMED_JOB_OVERHEAD;

    static double total(List<String> job, Map<String, Double> runtimes) {
        return job.stream().mapToDouble(runtimes::get).sum();
    }

    @Test
    void theLongestFilesGoFirstAloneAndEveryFileIsPlannedOnce() {
        List<String> files = List.of("a", "b", "c", "d", "e", "f", "g", "h");
        Map<String, Double> runtimes = Map.of("a", 8.0, "b", 1.0, "c", 1.0, "d", 1.0, "e", 1.0, "f", 1.0, "g", 1.0, "h", 3.0);
        List<List<String>> jobs = JobPlanner.plan(files, runtimes, Map.of(), 2, 0, BOOT);
        assertThat(jobs.get(0)).containsExactly("a");
        assertThat(jobs.get(1)).containsExactly("h");
        assertThat(jobs.stream().flatMap(List::stream)).containsExactlyInAnyOrderElementsOf(files);
    }

    @Test
    void withoutHistoryJobsShrinkTowardTheEndOfTheBuild() {
        List<String> files = IntStream.range(0, 40).mapToObj(i -> "f" + i).toList();
        Map<String, Long> sizes = new HashMap<>();
        files.forEach(f -> sizes.put(f, 100L));
        List<List<String>> jobs = JobPlanner.plan(files, Map.of(), sizes, 2, 0, 0.0);
        List<Integer> counts = jobs.stream().map(List::size).toList();
        assertThat(counts.get(0)).isEqualTo(10); // half of one instance's share of 40 files on 2 instances
        assertThat(counts).isSortedAccordingTo((x, y) -> Integer.compare(y, x));
        assertThat(counts.get(counts.size() - 1)).isEqualTo(1);
    }

    @Test
    void withHistoryJobsStillShrinkTowardTheEndOfTheBuild() {
        // Runtimes vary between builds: small jobs at the end go to whichever instance is free, where one job per
        // instance packed from estimates would hold the build for the instance whose files ran long.
        Map<String, Double> runtimes = new HashMap<>();
        List<String> files = IntStream.range(0, 40).mapToObj(i -> "f" + i).toList();
        files.forEach(f -> runtimes.put(f, 1.0));
        List<List<String>> jobs = JobPlanner.plan(files, runtimes, Map.of(), 2, 0, 0.0);
        assertThat(jobs.stream().map(List::size).toList()).containsExactly(10, 7, 5, 4, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1);
        assertThat(makespan(jobs, runtimes, 2, 0)).isEqualTo(20.0);
    }

    @Test
    void withHistoryOnlyTheLastFewStartUpsWorthOfEachInstanceIsPacked() {
        Map<String, Double> runtimes = new HashMap<>();
        List<String> files = IntStream.range(0, 400).mapToObj(i -> String.format("f%03d", i)).toList();
        files.forEach(f -> runtimes.put(f, 0.1));
        double overhead = 0.1;
        List<List<String>> jobs = JobPlanner.plan(files, runtimes, Map.of(), 2, 0, overhead);
        assertThat(jobs.stream().flatMap(List::stream)).containsExactlyInAnyOrderElementsOf(files);
        // Jobs shrink to three start-ups' worth (0.3 s); the last 2.4 s at most (four start-ups' worth of jobs per
        // instance) are packed into one job per instance.
        List<Double> seconds = jobs.stream().map(job -> total(job, runtimes)).toList();
        assertThat(seconds.subList(0, seconds.size() - 2)).isSortedAccordingTo(java.util.Comparator.reverseOrder())
                .allSatisfy(s -> assertThat(s).isGreaterThanOrEqualTo(0.3 - 1e-9));
        assertThat(seconds.get(seconds.size() - 1) + seconds.get(seconds.size() - 2)).isLessThanOrEqualTo(2.4 + 1e-9);
    }

    @Test
    void aBuildWorthLessThanTwoStartUpsPerInstanceRunsAsOneJobPerInstance() {
        Map<String, Double> runtimes = new HashMap<>();
        List<String> files = IntStream.range(0, 100).mapToObj(i -> "tiny" + i).toList();
        files.forEach(f -> runtimes.put(f, 0.01));
        List<List<String>> jobs = JobPlanner.plan(files, runtimes, Map.of(), 4, 0, 0.2);
        assertThat(jobs).hasSize(4).allSatisfy(job -> assertThat(job).hasSize(25));
    }

    @Test
    void aLongBuildKeepsEveryJobButTheLastRoundAboveThreeStartUps() {
        Map<String, Double> runtimes = new HashMap<>();
        List<String> files = IntStream.range(0, 400).mapToObj(i -> "f" + i).toList();
        files.forEach(f -> runtimes.put(f, 0.1));
        List<List<String>> jobs = JobPlanner.plan(files, runtimes, Map.of(), 4, 0, 0.2);
        List<Double> totals = jobs.stream().map(job -> total(job, runtimes)).toList();
        // 40 s on 4 instances: jobs shrink from 5 s while a round is worth it, then one last round of 4 jobs
        assertThat(totals.get(0)).isCloseTo(5.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat(totals.subList(0, totals.size() - 4)).allSatisfy(t -> assertThat(t).isGreaterThanOrEqualTo(0.59));
        assertThat(jobs.stream().mapToInt(List::size).sum()).isEqualTo(400);
    }

    @Test
    void usesFileSizeWhereThereIsNoHistory() {
        List<List<String>> jobs = JobPlanner.plan(List.of("small", "big"), Map.of(), Map.of("small", 10L, "big", 1000L), 1, 0, BOOT);
        assertThat(jobs.get(0)).containsExactly("big");
    }

    @Test
    void honoursAFixedNumberOfFilesPerJob() {
        assertThat(JobPlanner.plan(List.of("a", "b", "c"), Map.of(), Map.of(), 8, 2, BOOT)).containsExactly(List.of("a", "b"), List.of("c"));
    }

    @Test
    void thePartsOfASplitFileShareItsRuntime() {
        List<String> entries = List.of("big[1:1]", "big[1:2]", "big[1:3]", "big[1:4]", "small");
        java.util.function.Function<String, String> fileOf = e -> e.replaceFirst("\\[.*", "");
        Map<String, Double> weights = JobPlanner.perEntry(entries, Map.of("big", 8.0, "small", 1.0), fileOf);
        assertThat(weights).containsEntry("big[1:1]", 2.0).containsEntry("big[1:4]", 2.0).containsEntry("small", 1.0);

        // Four parts of 2 s and a 1 s file over 4 instances: the parts run side by side, one per job.
        List<List<String>> jobs = JobPlanner.plan(entries, weights, Map.of(), 4, 0, BOOT);
        assertThat(jobs).hasSize(4).allSatisfy(job -> assertThat(job.stream().filter(e -> e.startsWith("big["))).hasSize(1));
        assertThat(jobs.stream().flatMap(List::stream)).containsExactlyInAnyOrderElementsOf(entries);
    }

    @Test
    void withHistoryForEveryFileAShortBuildIsPackedOneJobPerInstance() {
        // 2.7 s per instance, start-up 0.3 s: a job is worth 0.9 s, so a share of three such jobs is packed when
        // every runtime is known, and planned in rounds while some file has only its size to go by.
        Map<String, Double> runtimes = new HashMap<>();
        List<String> files = IntStream.range(0, 48).mapToObj(i -> "f" + i).toList();
        files.forEach(f -> runtimes.put(f, 21.6 / 48));
        assertThat(JobPlanner.plan(files, runtimes, Map.of(), 8, 0, 0.3)).hasSize(8);

        Map<String, Double> partly = new HashMap<>(runtimes);
        partly.remove("f0");
        assertThat(JobPlanner.plan(files, partly, Map.of(), 8, 0, 0.3).size()).isGreaterThan(8);
    }

    @Test
    void thePackedRoundCountsWhatEarlierJobsGaveEachInstance() {
        // The benchmark's skewed suite with full history. Packing the rest into eight equal jobs after the 2.08 s file
        // had gone alone made one instance run that file and then a full share (5.7 s with a start-up of 0.45 s).
        Map<String, Double> runtimes = new HashMap<>();
        for (int i = 1; i <= 48; i++) {
            int cs = i % 16 == 0 ? 160 + i : i % 5 == 0 ? 50 + i : 10 + (i * 7) % 30;
            runtimes.put("f" + i, cs / 100.0);
        }
        List<String> files = List.copyOf(runtimes.keySet());
        double share = runtimes.values().stream().mapToDouble(Double::doubleValue).sum() / 8;
        for (double overhead = 0.05; overhead < 0.7; overhead += 0.05) {
            List<List<String>> jobs = JobPlanner.plan(files, runtimes, Map.of(), 8, 0, overhead);
            assertThat(makespan(jobs, runtimes, 8, overhead)).as("start-up %.2f s, jobs %s", overhead, jobs).isLessThan(share + 3 * overhead + 0.3);
            assertThat(jobs.stream().flatMap(List::stream)).containsExactlyInAnyOrderElementsOf(files);
        }
    }

    @Test
    void thePackedRoundIsImprovedWhereGreedyPackingLeavesOneInstanceBehind() {
        // Longest first, each to the instance free first: {3, 2, 2} and {3, 2}, 7.5 s with the start-up. Swapping a
        // 3 for a 2 evens them: {3, 3} and {2, 2, 2}, 6.5 s each.
        Map<String, Double> runtimes = Map.of("a", 3.0, "b", 3.0, "c", 2.0, "d", 2.0, "e", 2.0);
        List<List<String>> jobs = JobPlanner.plan(List.of("a", "b", "c", "d", "e"), runtimes, Map.of(), 2, 0, 0.5);
        assertThat(jobs).hasSize(2);
        assertThat(makespan(jobs, runtimes, 2, 0.5)).isEqualTo(6.5);
        assertThat(jobs.stream().flatMap(List::stream)).containsExactlyInAnyOrder("a", "b", "c", "d", "e");
    }

    /** When the last instance finishes, each job going to whichever instance is free first, as runners pull them. */
    static double makespan(List<List<String>> jobs, Map<String, Double> runtimes, int instances, double overhead) {
        double[] free = new double[instances];
        for (List<String> job : jobs) {
            int first = 0;
            for (int i = 1; i < instances; i++) if (free[i] < free[first]) first = i;
            free[first] += overhead + total(job, runtimes);
        }
        return java.util.Arrays.stream(free).max().orElse(0);
    }
}
