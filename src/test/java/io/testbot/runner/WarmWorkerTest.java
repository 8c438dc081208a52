package io.testbot.runner;

import io.testbot.adapters.Adapter;
import io.testbot.adapters.Adapters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
        ProcessBuilder builder = new ProcessBuilder(rspec.workerCommand(project.resolve("tools"))).directory(project.toFile()).redirectErrorStream(true);
        WarmWorker worker = WarmWorker.start(builder, 1, project);
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
        ProcessBuilder builder = new ProcessBuilder(rspec.workerCommand(project.resolve("tools"))).directory(project.toFile()).redirectErrorStream(true);
        builder.environment().put("TESTBOT_WORKER_IDLE", "1");
        WarmWorker worker = WarmWorker.start(builder, 1, project);
        try {
            assertThat(worker.process().waitFor()).as("it ends after a second without a job").isZero();
            WarmWorker.Outcome late = worker.run(rspec.workerJob(List.of("spec/a_spec.rb"), List.of(), project.resolve("a.json")));
            assertThat(late.neverStarted(worker.process())).isTrue();
        } finally {
            worker.close();
        }
    }
}
