package io.testbot.protocol;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The one place a build's verdict is decided, for the server's status, the exit status, the summary and the reports. */
class BuildTallyTest {
    static final FileResult.Failure FAILS = new FileResult.Failure("./spec/a_spec.rb:3", "A fails", "./spec/a_spec.rb[1:1]");

    static JobResult result(int exit, boolean errored, FileResult... files) {
        return new JobResult("r", 1, exit, errored, "", 1, 0, "rspec", List.of(files));
    }

    static FileResult passing(String path) {
        return new FileResult(path, 2, 0, 0, 1, List.of());
    }

    @Test
    void aBuildWhoseEveryEntryPassedOncePasses() {
        BuildTally tally = new BuildTally();
        tally.add("r", result(0, false, passing("spec/a_spec.rb")), 0, List.of("spec/a_spec.rb"));
        tally.add("r", result(0, false, passing("spec/b_spec.rb")), 0, List.of("spec/b_spec.rb"));
        Verdict verdict = tally.verdict(List.of("spec/a_spec.rb", "spec/b_spec.rb"), false);
        assertThat(verdict.passed()).isTrue();
        assertThat(verdict.status()).isEqualTo(BuildStatus.PASSED);
    }

    @Test
    void everyReasonFailsItOnItsOwn() {
        List<String> submitted = List.of("spec/a_spec.rb", "spec/b_spec.rb");
        // A failing test.
        BuildTally failing = new BuildTally();
        failing.add("r", result(1, false, new FileResult("spec/a_spec.rb", 1, 1, 0, 1, List.of(FAILS))), 0, List.of("spec/a_spec.rb"));
        failing.add("r", result(0, false, passing("spec/b_spec.rb")), 0, List.of("spec/b_spec.rb"));
        assertThat(failing.verdict(submitted, false)).satisfies(v -> assertThat(v.passed()).isFalse()).extracting(Verdict::failing).isEqualTo(1);
        // A file that did not load, though the rest of its job passed.
        BuildTally notLoaded = new BuildTally();
        notLoaded.add("r", result(1, false, FileResult.notLoaded("spec/a_spec.rb", "LoadError: x"), passing("spec/b_spec.rb")), 0, submitted);
        assertThat(notLoaded.verdict(submitted, false)).satisfies(v -> assertThat(v.passed()).isFalse()).extracting(Verdict::notLoaded).isEqualTo(1);
        assertThat(notLoaded.erroredJobs()).as("the job itself has complete results").isEmpty();
        assertThat(notLoaded.notLoaded()).containsExactly(Map.entry("spec/a_spec.rb", "LoadError: x"));
        // A job that exited non-zero with nothing to show for it.
        BuildTally errored = new BuildTally();
        errored.add("r", result(1, false, passing("spec/a_spec.rb"), passing("spec/b_spec.rb")), 0, submitted);
        assertThat(errored.verdict(submitted, false)).satisfies(v -> assertThat(v.passed()).isFalse()).extracting(Verdict::erroredJobs).isEqualTo(1);
        // An entry no job reported, and one that two did.
        BuildTally incomplete = new BuildTally();
        incomplete.add("r", result(0, false, passing("spec/a_spec.rb")), 0, List.of("spec/a_spec.rb"));
        incomplete.add("r", result(0, false, passing("spec/a_spec.rb")), 0, List.of("spec/a_spec.rb"));
        Verdict verdict = incomplete.verdict(submitted, false);
        assertThat(verdict.passed()).isFalse();
        assertThat(verdict.withoutResult()).containsExactly("spec/b_spec.rb");
        assertThat(verdict.withMoreThanOneResult()).containsExactly("spec/a_spec.rb");
        // Cancelled, whatever ran.
        BuildTally cancelled = new BuildTally();
        cancelled.add("r", result(0, false, passing("spec/a_spec.rb"), passing("spec/b_spec.rb")), 0, submitted);
        assertThat(cancelled.verdict(submitted, true).status()).isEqualTo(BuildStatus.CANCELLED);
    }

    @Test
    void aFailureThatPassesWhenReRunIsFlakyAndNoLongerFailsTheBuild() {
        BuildTally tally = new BuildTally();
        tally.add("r1", result(1, false, new FileResult("spec/a_spec.rb", 1, 1, 0, 1, List.of(FAILS))), 0, List.of("spec/a_spec.rb"));
        assertThat(BuildTally.failsForGood(result(1, false, new FileResult("spec/a_spec.rb", 1, 1, 0, 1, List.of(FAILS))), true))
                .as("a re-run may mend it").isFalse();
        tally.add("r2", result(0, false, new FileResult("spec/a_spec.rb", 1, 0, 0, 1, List.of())), 1, List.of(FAILS.rerunId()));
        assertThat(tally.flaky()).containsOnlyKeys(FAILS.rerunId());
        assertThat(tally.verdict(List.of("spec/a_spec.rb"), false).passed()).isTrue();
    }

    @Test
    void aFileThatDidNotLoadFailsForGood() {
        assertThat(BuildTally.failsForGood(result(1, false, FileResult.notLoaded("spec/a_spec.rb", "LoadError: x")), true)).isTrue();
        assertThat(BuildTally.failsForGood(result(0, false, passing("spec/a_spec.rb")), false)).isFalse();
    }
}
