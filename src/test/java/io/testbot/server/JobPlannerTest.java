package io.testbot.server;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class JobPlannerTest {
    @Test
    void packsLongestFirstIntoAboutThreeJobsPerInstanceAndKeepsEveryFileOnce() {
        List<String> files = List.of("a", "b", "c", "d", "e", "f", "g", "h");
        Map<String, Double> runtimes = Map.of("a", 8.0, "b", 1.0, "c", 1.0, "d", 1.0, "e", 1.0, "f", 1.0, "g", 1.0, "h", 1.0);
        List<List<String>> jobs = JobPlanner.plan(files, runtimes, Map.of(), 2, 0);
        assertThat(jobs).hasSize(6);
        assertThat(jobs.get(0)).containsExactly("a");
        assertThat(jobs.stream().flatMap(List::stream)).containsExactlyInAnyOrderElementsOf(files);
    }

    @Test
    void usesFileSizeWhereThereIsNoHistory() {
        List<List<String>> jobs = JobPlanner.plan(List.of("small", "big"), Map.of(), Map.of("small", 10L, "big", 1000L), 1, 0);
        assertThat(jobs.get(0)).containsExactly("big");
    }

    @Test
    void honoursAFixedNumberOfFilesPerJob() {
        assertThat(JobPlanner.plan(List.of("a", "b", "c"), Map.of(), Map.of(), 8, 2)).containsExactly(List.of("a", "b"), List.of("c"));
    }
}
