package io.testbot.runner;

import io.testbot.adapters.Adapters;
import io.testbot.protocol.JobAssignment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Files of a running job that another instance takes over: only those not begun, each by one process. */
class SharedJobsTest {
    @TempDir
    Path dir;

    static JobAssignment job(long id, String... files) {
        return new JobAssignment(id, 1, "app", "rspec", List.of(files), List.of(), null, false, 0, false, null);
    }

    @Test
    void anIdleInstanceTakesHalfOfWhatTheJobHasNotBegunFromTheEndAndNeverWhatItsWorkerClaimed() throws Exception {
        SharedJobs shared = new SharedJobs();
        SharedJobs.Shared running = shared.open(job(7, "a", "b", "c", "d", "e"), 1, dir, Adapters.find("rspec").orElseThrow(), dir.resolve("claims"));
        Files.writeString(dir.resolve("claims/0"), "worker"); // the job's worker began its first file

        assertThat(shared.take(1, build -> true)).as("not from its own job").isEmpty();
        assertThat(shared.take(2, build -> false)).as("not without a warm worker of the build").isEmpty();
        SharedJobs.Part first = shared.take(2, build -> true).orElseThrow();
        assertThat(first.files()).containsExactly("d", "e");
        assertThat(first.instance()).isEqualTo(2);

        SharedJobs.Part second = shared.take(3, build -> true).orElseThrow();
        assertThat(second.files()).as("half of b and c, from the end").containsExactly("c");
        Files.writeString(dir.resolve("claims/1"), "worker"); // the worker reached b
        assertThat(shared.take(2, build -> true)).as("nothing left that is not begun").isEmpty();

        assertThat(shared.close(running)).containsExactly(first, second);
        assertThat(dir.resolve("claims")).isDirectoryContaining(p -> p.getFileName().toString().equals("4"));
    }

    @Test
    void aClosedJobGivesNothingAndAClaimTheWorkerWinsIsNotTaken() throws Exception {
        SharedJobs shared = new SharedJobs();
        SharedJobs.Shared running = shared.open(job(8, "a", "b"), 1, dir, Adapters.find("rspec").orElseThrow(), dir.resolve("claims"));
        Files.writeString(dir.resolve("claims/1"), "worker"); // random order: the worker began the last file first
        assertThat(shared.take(2, build -> true).orElseThrow().files()).containsExactly("a");
        shared.close(running);

        SharedJobs.Shared other = shared.open(job(9, "x", "y", "z"), 1, dir, Adapters.find("rspec").orElseThrow(), dir.resolve("claims9"));
        shared.close(other);
        assertThat(shared.take(2, build -> true)).isEmpty();
    }
}
