package io.testbot.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Stopping builds and jobs: --fail-fast, --job-timeout, testbot cancel; and builds sharing a runner. */
class ControlIT extends Cluster {
    Path pids;
    Path release;

    Path blockedProject() throws IOException {
        pids = Files.createDirectories(dir.resolve("pids"));
        release = dir.resolve("release");
        return SampleProjects.blocked(Files.createDirectories(dir.resolve("app")), pids, release);
    }

    long blockedPid() throws IOException {
        return awaitBlocked(pids);
    }

    @Test
    void failFastStopsTheRestOfTheBuildAtTheFirstFailure() throws Exception {
        Path project = blockedProject();
        // Fails only once the blocked spec is running, so there is something to stop.
        SampleProjects.write(project, "spec/early_failure_spec.rb", """
                RSpec.describe "Early failure" do
                  it "fails" do
                    sleep 0.05 until Dir.glob("%s/blocked-*").any?
                    expect(1).to eq(2)
                  end
                end
                """.formatted(pids));
        startServer();
        startRunner("r1", 2);
        Proc requester = startRequester(project, "--files-per-job", "1", "--fail-fast");
        long blocked = blockedPid();
        assertThat(requester.awaitExit(BUILD)).as(requester.describe()).isEqualTo(1);
        awaitGone(blocked);
        assertThat(requester.out()).contains("rspec ./spec/early_failure_spec.rb:2").contains("(build 1, failed)")
                .contains("1 file(s) have no result: spec/blocked_spec.rb");
    }

    @Test
    void aJobOverItsTimeoutIsStoppedAndReportedAsErrored() throws Exception {
        Path project = blockedProject();
        startServer();
        startRunner("r1", 1);
        Proc requester = startRequester(project, "--job-timeout", "2");
        long blocked = blockedPid();
        assertThat(requester.awaitExit(BUILD)).as(requester.describe()).isEqualTo(1);
        awaitGone(blocked);
        assertThat(requester.out()).contains("testbot: job stopped after 2 s (job timeout) on r1").contains("Errored jobs");
    }

    @Test
    void testbotCancelStopsABuildOnEveryRunner() throws Exception {
        Path project = blockedProject();
        startServer();
        startRunner("r1", 1);
        Proc requester = startRequester(project);
        long blocked = blockedPid();

        Proc cancel = start("cancel", dir, Map.of("TESTBOT_TOKEN", token), "cancel", "1", "--connect", address());
        assertThat(cancel.awaitExit(START)).as(cancel.describe()).isZero();
        assertThat(cancel.out()).contains("build 1 cancelled");
        awaitGone(blocked);
        assertThat(requester.awaitExit(BUILD)).isEqualTo(1);
        assertThat(requester.out()).contains("build 1 was cancelled");

        Proc again = start("cancel-again", dir, Map.of("TESTBOT_TOKEN", token), "cancel", "1", "--connect", address());
        assertThat(again.awaitExit(START)).isZero();
        assertThat(again.out()).contains("build 1 had already finished: cancelled");
        Proc unknown = start("cancel-unknown", dir, Map.of("TESTBOT_TOKEN", token), "cancel", "99", "--connect", address());
        assertThat(unknown.awaitExit(START)).isEqualTo(2);
        assertThat(unknown.err()).contains("no build 99");
    }

    @Test
    void twoBuildsOfOneProjectAtOnceUseSeparateCopies() throws Exception {
        Path project = blockedProject();
        startServer();
        startRunner("r1", 2);
        Proc first = startRequester(project, "spec/blocked_spec.rb");
        blockedPid();

        SampleProjects.write(project, "spec/added_spec.rb", "RSpec.describe('Added') { it('runs') { puts \"ADDED in #{Dir.pwd}\" } }\n");
        Proc second = startRequester(project, "spec/added_spec.rb");
        assertThat(second.awaitExit(BUILD)).as(second.describe()).isZero();
        assertThat(second.out()).containsPattern("ADDED in \\S+~2");
        try (Stream<Path> copies = Files.list(dir.resolve("r1/projects"))) {
            Path busy = copies.filter(p -> !p.getFileName().toString().contains("~")).findFirst().orElseThrow();
            assertThat(busy.resolve("spec/added_spec.rb")).as("the first build's copy is left alone").doesNotExist();
        }
        Files.writeString(release, "go");
        assertThat(first.awaitExit(BUILD)).as(first.describe()).isZero();
    }

    @Test
    void failingExamplesAreReRunElsewhereAndThoseThatPassAreReportedAsFlaky() throws Exception {
        Path markers = Files.createDirectories(dir.resolve("markers"));
        Path project = SampleProjects.passing(Files.createDirectories(dir.resolve("app")), 1);
        SampleProjects.write(project, "spec/flaky_spec.rb", """
                RSpec.describe "Flaky" do
                  it "passes the second time" do
                    first = !File.exist?("%1$s/flaky")
                    File.write("%1$s/flaky", "ran")
                    expect(first).to be(false)
                  end
                end
                """.formatted(markers));
        SampleProjects.write(project, "spec/broken_spec.rb", "RSpec.describe('Broken') { it('always fails') { expect(1).to eq(2) } }\n");
        startServer();
        startRunner("r1", 1);
        startRunner("r2", 1);

        Result result = requestRemote(project, "--retry-failed", "2", "--files-per-job", "1");
        assertThat(result.exit()).as(result.all()).isEqualTo(1);
        assertThat(result.out()).contains("Flaky examples (failed, then passed when re-run):")
                .contains("rspec ./spec/flaky_spec.rb:2 # Flaky passes the second time")
                .contains("rspec ./spec/broken_spec.rb:1 # Broken always fails")
                .contains("3 examples, 1 failure, 1 flaky (passed when re-run)");
        assertThat(count(result.out(), "── re-run 1 of failing examples")).isEqualTo(2);
        assertThat(count(result.out(), "── re-run 2 of failing examples")).isEqualTo(1);
        assertThat(result.out()).contains("'./spec/broken_spec.rb[1:1]'");
        java.util.regex.Matcher original = java.util.regex.Pattern.compile("── job \\d+/\\d+ · (r\\d) #\\d+ · [0-9.]+ s · rspec ./spec/flaky_spec.rb\n").matcher(result.out());
        java.util.regex.Matcher rerun = java.util.regex.Pattern.compile("── re-run 1 of failing examples · (r\\d) #\\d+ · [0-9.]+ s · rspec './spec/flaky_spec.rb\\[1:1\\]'").matcher(result.out());
        assertThat(original.find() && rerun.find()).as(result.out()).isTrue();
        assertThat(rerun.group(1)).as("re-run on the other runner").isNotEqualTo(original.group(1));

        Files.delete(markers.resolve("flaky"));
        SampleProjects.write(project, "spec/broken_spec.rb", "RSpec.describe('Broken') { it('is fixed') { expect(1).to eq(1) } }\n");
        Result flakyOnly = requestRemote(project, "--retry-failed", "1");
        assertThat(flakyOnly.exit()).as("a flaky example alone does not fail the build: " + flakyOnly.all()).isZero();
        assertThat(flakyOnly.out()).contains("3 examples, 0 failures, 1 flaky (passed when re-run)");
    }
}
