package io.testbot.runner;

import io.testbot.adapters.Adapters;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.JobAssignment;
import io.testbot.protocol.JobResult;
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
    void aJobWhoseWorkerHasNotBegunAFileYetKeepsItsFiles() throws Exception {
        SharedJobs shared = new SharedJobs();
        shared.open(job(10, "a", "b", "c", "d"), 1, dir, Adapters.find("rspec").orElseThrow(), dir.resolve("claims10"));
        // Its worker is still booting: taking the files would leave it nothing, its first file included.
        assertThat(shared.take(2, build -> true)).isEmpty();
        Files.writeString(dir.resolve("claims10/0"), "worker");
        assertThat(shared.take(2, build -> true).orElseThrow().files()).containsExactly("c", "d");
        assertThat(shared.take(2, build -> true).orElseThrow().files()).as("files others took do not count as its own begun").containsExactly("b");
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

    @Test
    void aJobsResultIsItsOwnWithThePartsOthersRanInPlaceOfTheFilesItLeftOut() throws Exception {
        SharedJobs shared = new SharedJobs();
        SharedJobs.Shared running = shared.open(job(10, "spec/a_spec.rb", "spec/b_spec.rb", "spec/c_spec.rb"), 1, dir,
                Adapters.find("rspec").orElseThrow(), dir.resolve("claims"));
        Files.writeString(dir.resolve("claims/0"), "worker");
        SharedJobs.Part part = shared.take(2, build -> true).orElseThrow();
        assertThat(part.files()).containsExactly("spec/c_spec.rb");
        FileResult failed = new FileResult("spec/c_spec.rb", 2, 1, 0, 0.4, List.of(new FileResult.Failure("./spec/c_spec.rb:3", "c fails", "./spec/c_spec.rb[1:1]")));
        part.result().complete(new JobResult("r", 2, 1, false, "c's output\n", 0.5, 0, "rspec ./spec/c_spec.rb", List.of(failed)));

        // The job's own worker left c out: its results say nothing ran there.
        List<FileResult> own = List.of(new FileResult("spec/a_spec.rb", 1, 0, 0, 0.2, List.of()), new FileResult("spec/b_spec.rb", 3, 0, 0, 0.3, List.of()),
                new FileResult("spec/c_spec.rb", 0, 0, 0, 0, List.of()));
        JobResult merged = SharedJobs.withParts(new JobResult("r", 1, 0, false, "a and b\n", 0.6, 0.1, "rspec ...", own), shared.close(running));

        assertThat(merged.exitCode()).as("a part's failure fails the job").isEqualTo(1);
        assertThat(merged.files()).containsExactly(own.get(0), own.get(1), failed);
        assertThat(merged.output()).startsWith("a and b\n").contains("1 file(s) of this job not yet begun ran on instance 2: spec/c_spec.rb\nc's output");
        assertThat(merged.seconds()).isCloseTo(1.1, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(merged.instance()).isEqualTo(1);
    }
}
