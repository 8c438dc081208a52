package io.testbot.runner;

import io.testbot.adapters.Adapter;
import io.testbot.adapters.Adapters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The real rspec worker: one process, several jobs, each with its own output, status and results. */
class WarmWorkerTest {
    final Adapter rspec = Adapters.get("rspec");

    @Test
    void runsJobAfterJobInOneProcessEachWithItsOwnOutputAndResults(@TempDir Path project) throws Exception {
        Files.createDirectories(project.resolve("spec"));
        Files.writeString(project.resolve("spec/spec_helper.rb"), "$booted = ($booted || 0) + 1\n");
        Files.writeString(project.resolve("spec/a_spec.rb"), """
                require_relative "spec_helper"
                RSpec.describe("A") { it("is booted once") { puts "A boots=#{$booted}"; expect($booted).to eq(1) } }
                """);
        Files.writeString(project.resolve("spec/b_spec.rb"), """
                require_relative "spec_helper"
                RSpec.describe("B") { it("fails") { puts "B pid=#{Process.pid}"; expect(1).to eq(2) } }
                """);
        Files.writeString(project.resolve("spec/dies_spec.rb"), "RSpec.describe('Dies') { it('exits hard') { puts 'last words'; exit!(7) } }\n");
        ProcessBuilder builder = new ProcessBuilder(rspec.workerCommand(project.resolve("tools"), List.of())).directory(project.toFile()).redirectErrorStream(true);
        WarmWorker worker = WarmWorker.start(builder, "rspec", 1, project);
        try {
            WarmWorker.Outcome a = worker.run(rspec.workerJob(List.of("spec/a_spec.rb"), List.of(), project.resolve("a.json")));
            WarmWorker.Outcome b = worker.run(rspec.workerJob(List.of("spec/b_spec.rb"), List.of(), project.resolve("b.json")));
            WarmWorker.Outcome again = worker.run(rspec.workerJob(List.of("spec/a_spec.rb", "spec/b_spec.rb"), List.of(), project.resolve("ab.json")));

            assertThat(a.status()).isZero();
            assertThat(a.output()).contains("A boots=1").contains("1 example, 0 failures").doesNotContain("B pid");
            assertThat(b.status()).isEqualTo(1);
            assertThat(b.output()).contains("B pid=" + worker.process().pid()).contains("1 example, 1 failure").doesNotContain("A boots");
            assertThat(again.output()).contains("2 examples, 1 failure");
            assertThat(rspec.readResults(project.resolve("ab.json"), List.of("spec/a_spec.rb", "spec/b_spec.rb"), again.status(), List.of()).files())
                    .extracting(f -> f.examples()).containsExactly(1, 1);
            assertThat(worker.fits(1, project)).isTrue();
            assertThat(worker.fits(2, project)).as("another build needs a fresh worker").isFalse();

            WarmWorker.Outcome dies = worker.run(rspec.workerJob(List.of("spec/dies_spec.rb"), List.of(), project.resolve("d.json")));
            assertThat(dies.status()).isNull();
            assertThat(dies.output()).contains("last words");
            assertThat(worker.process().waitFor()).isEqualTo(7);
            assertThat(worker.fits(1, project)).isFalse();
        } finally {
            worker.close();
        }
    }

    @Test
    void aJobSentAsTheWorkerEndsIdleIsKnownNotToHaveStarted(@TempDir Path project) throws Exception {
        Files.createDirectories(project.resolve("spec"));
        Files.writeString(project.resolve("spec/a_spec.rb"), "RSpec.describe('A') { it('runs') { } }\n");
        ProcessBuilder builder = new ProcessBuilder(rspec.workerCommand(project.resolve("tools"), List.of())).directory(project.toFile()).redirectErrorStream(true);
        builder.environment().put("TESTBOT_WORKER_IDLE", "1");
        WarmWorker worker = WarmWorker.start(builder, "rspec", 1, project);
        try {
            assertThat(worker.process().waitFor()).as("it ends after a second without a job").isZero();
            WarmWorker.Outcome late = worker.run(rspec.workerJob(List.of("spec/a_spec.rb"), List.of(), project.resolve("a.json")));
            assertThat(late.neverStarted(worker.process())).isTrue();
        } finally {
            worker.close();
        }
    }

    @Test
    void aSpareBootedOutsideAnyProjectRunsAProjectOnceBound(@TempDir Path dir) throws Exception {
        Path project = Files.createDirectories(dir.resolve("project"));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Files.createDirectories(project.resolve("spec"));
        Files.createDirectories(project.resolve("lib"));
        // .rspec, spec_helper and lib/ on the load path are all found relative to the project, not where it booted
        Files.writeString(project.resolve(".rspec"), "--require spec_helper\n");
        Files.writeString(project.resolve("spec/spec_helper.rb"), "require 'thing'\n");
        Files.writeString(project.resolve("lib/thing.rb"), "THING = :loaded\n");
        Files.writeString(project.resolve("spec/a_spec.rb"), """
                RSpec.describe("A") { it("runs in the project") { puts "pwd=#{Dir.pwd} env=#{ENV['PWD']} instance=#{ENV['TEST_ENV_NUMBER']}"; expect(THING).to eq(:loaded) } }
                """);
        ProcessBuilder builder = new ProcessBuilder(rspec.workerCommand(dir.resolve("tools"), List.of())).directory(elsewhere.toFile()).redirectErrorStream(true);
        WarmWorker spare = WarmWorker.startSpare(builder, "rspec");
        try {
            assertThat(spare.isSpare()).isTrue();
            assertThat(spare.spareFor("rspec")).isTrue();
            assertThat(spare.spareFor("cucumber")).isFalse();
            assertThat(spare.fits(1, project)).isFalse();
            assertThat(spare.awaitBooted(30, java.util.concurrent.TimeUnit.SECONDS)).as("it says when rspec is loaded").isTrue();
            assertThat(spare.claim()).as("a spare starts free").isTrue();
            assertThat(spare.bind(1, project, Map.of("TEST_ENV_NUMBER", "3"))).isTrue();
            assertThat(spare.isSpare()).isFalse();
            assertThat(spare.fits(1, project)).isTrue();

            WarmWorker.Outcome a = spare.run(rspec.workerJob(List.of("spec/a_spec.rb"), List.of(), project.resolve("a.json")));
            assertThat(a.status()).isZero();
            String real = project.toRealPath().toString();
            assertThat(a.output()).contains("pwd=" + real + " env=" + real + " instance=3").contains("1 example, 0 failures");
        } finally {
            spare.close();
        }
    }

    @Test
    void aSpareThatEndedCannotBeBound(@TempDir Path dir) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("ruby", "-e", "exit 3").directory(dir.toFile()).redirectErrorStream(true);
        WarmWorker spare = WarmWorker.startSpare(builder, "rspec");
        assertThat(spare.process().waitFor()).isEqualTo(3);
        assertThat(spare.spareFor("rspec")).isFalse();
        assertThat(spare.claim()).isTrue();
        assertThat(spare.awaitBooted(30, java.util.concurrent.TimeUnit.SECONDS)).as("it never said it was ready").isFalse();
        assertThat(spare.bind(1, dir, Map.of())).isFalse();
    }

    /** Runs one job on the worker and reads its results: examples, failures and pending of each file, in order. */
    List<List<Integer>> counts(WarmWorker worker, Path project, String name, String... files) throws Exception {
        Path json = project.resolve(name + ".json");
        WarmWorker.Outcome outcome = worker.run(rspec.workerJob(List.of(files), List.of(), json));
        assertThat(outcome.status()).as(outcome.output()).isNotNull();
        return rspec.readResults(json, List.of(files), outcome.status(), List.of()).files().stream()
                .map(f -> List.of(f.examples(), f.failures(), f.pending())).toList();
    }

    /**
     * What docs say a worker does not carry from job to job: the earlier job's example groups (of the same names),
     * its focus filter, its failures and pending examples, a fail-fast stop, its random order. The file's result is
     * the same after such a job as in a fresh worker.
     */
    @Test
    void aFilesResultDoesNotDependOnTheJobThatRanBeforeItInTheSameWorker(@TempDir Path project) throws Exception {
        Files.createDirectories(project.resolve("spec"));
        Files.writeString(project.resolve(".rspec"), "--require spec_helper\n");
        Files.writeString(project.resolve("spec/spec_helper.rb"), "RSpec.configure { |c| c.filter_run_when_matching :focus }\n");
        Files.writeString(project.resolve("spec/before_spec.rb"), """
                RSpec.describe("Shared name") do
                  let(:value) { :before }
                  fit("is focused") { expect(value).to eq(:before) }
                  it("fails") { expect(1).to eq(2) }
                  it("is pending") { pending("later"); raise "no" }
                end
                RSpec.describe("Stops") { it("is not focused, so filtered out") { } }
                """);
        Files.writeString(project.resolve("spec/target_spec.rb"), """
                RSpec.describe("Shared name") do
                  let(:value) { :target }
                  it("passes") { expect(value).to eq(:target) }
                  it("fails") { expect(value).to eq(:other) }
                  it("is pending") { pending("not yet"); raise "no" }
                  it("is skipped", skip: "off") { }
                end
                """);
        List<List<Integer>> alone;
        List<List<Integer>> after;
        WarmWorker fresh = WarmWorker.start(new ProcessBuilder(rspec.workerCommand(project.resolve("tools"), List.of())).directory(project.toFile())
                .redirectErrorStream(true), "rspec", 1, project);
        try {
            alone = counts(fresh, project, "alone", "spec/target_spec.rb");
        } finally {
            fresh.close();
        }
        WarmWorker used = WarmWorker.start(new ProcessBuilder(rspec.workerCommand(project.resolve("tools"), List.of())).directory(project.toFile())
                .redirectErrorStream(true), "rspec", 1, project);
        try {
            assertThat(counts(used, project, "before", "spec/before_spec.rb")).as("the focus filter applied there")
                    .containsExactly(List.of(1, 0, 0));
            after = counts(used, project, "after", "spec/target_spec.rb");
            assertThat(used.fits(1, project)).as("nothing of that job retired it").isTrue();
        } finally {
            used.close();
        }
        assertThat(alone).containsExactly(List.of(4, 1, 2));
        assertThat(after).isEqualTo(alone);
    }

    @Test
    void aJobWhoseFileFailsToLoadOrThatLeavesTheProjectDirectoryRetiresItsWorker(@TempDir Path project) throws Exception {
        Files.createDirectories(project.resolve("spec"));
        Files.writeString(project.resolve("spec/fine_spec.rb"), "RSpec.describe('Fine') { it('works') { } }\n");
        Files.writeString(project.resolve("spec/broken_spec.rb"), "require 'no_such_library'\n");
        Files.writeString(project.resolve("spec/wanders_spec.rb"), "RSpec.describe('Wanders') { it('goes') { Dir.chdir('/') } }\n");
        for (String retiring : List.of("spec/broken_spec.rb", "spec/wanders_spec.rb")) {
            WarmWorker worker = WarmWorker.start(new ProcessBuilder(rspec.workerCommand(project.resolve("tools"), List.of())).directory(project.toFile())
                    .redirectErrorStream(true), "rspec", 1, project);
            try {
                WarmWorker.Outcome fine = worker.run(rspec.workerJob(List.of("spec/fine_spec.rb"), List.of(), project.resolve("fine.json")));
                assertThat(fine.retire()).isFalse();
                WarmWorker.Outcome outcome = worker.run(rspec.workerJob(List.of(retiring, "spec/fine_spec.rb"), List.of(), project.resolve("r.json")));
                assertThat(outcome.status()).as(outcome.output()).isNotNull();
                assertThat(outcome.retire()).as(retiring).isTrue();
                assertThat(rspec.readResults(project.resolve("r.json"), List.of(retiring, "spec/fine_spec.rb"), outcome.status(), List.of()).files())
                        .as("the job's other file ran").extracting(f -> f.examples()).endsWith(1);
                assertThat(worker.process().waitFor()).as("it ended on its own, as a process ends normally").isZero();
            } finally {
                worker.close();
            }
        }
    }
}
