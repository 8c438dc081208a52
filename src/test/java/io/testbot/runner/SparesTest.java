package io.testbot.runner;

import io.testbot.adapters.Adapter;
import io.testbot.adapters.Adapters;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Spare rspec workers: booted one at a time up to one per instance, taken by a build, never more than asked. */
class SparesTest {
    final Adapter rspec = Adapters.get("rspec");

    @Test
    void bootsAtMostOnePerInstanceAndATakenOneRunsTheBuildsProject(@TempDir Path dir) throws Exception {
        Path project = Files.createDirectories(dir.resolve("project/spec"));
        Files.writeString(project.resolve("a_spec.rb"), "RSpec.describe('A') { it('runs') { puts \"instance=#{ENV['TEST_ENV_NUMBER']}\" } }\n");
        Spares spares = new Spares(dir.resolve("work"), 2, "rspec", true).boot(5);
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> spares.started() == 2 && spares.pending() == 0);
            assertThat(spares.wanted()).as("one per instance is enough").isFalse();

            WarmWorker worker = spares.take("rspec", 7, dir.resolve("project"), JobEnvironment.of("2", 2));
            assertThat(worker).isNotNull();
            assertThat(worker.fits(7, dir.resolve("project"))).isTrue();
            WarmWorker.Outcome outcome = worker.run(rspec.workerJob(List.of("spec/a_spec.rb"), List.of(), dir.resolve("a.json")));
            worker.release();
            assertThat(outcome.status()).isZero();
            assertThat(outcome.output()).contains("instance=2").contains("1 example, 0 failures");
            assertThat(spares.wanted()).as("one was taken").isTrue();
            assertThat(spares.take("cucumber", 8, dir.resolve("project"), Map.of())).as("none of another framework").isNull();
            worker.retire().join();
        } finally {
            spares.close().forEach(java.util.concurrent.CompletableFuture::join);
        }
        assertThat(spares.started()).isZero();
    }

    @Test
    void aBuildThatStartsDropsTheBootsNotBegun(@TempDir Path dir) throws Exception {
        Spares spares = new Spares(dir.resolve("work"), 4, "rspec", true).boot(4);
        try {
            // One boot at a time: the second waits for the first to be ready, so three are still queued.
            assertThat(spares.pending()).isGreaterThanOrEqualTo(3);
            WarmWorker taken = spares.take("rspec", 1, Files.createDirectories(dir.resolve("project")), Map.of());
            // At most the boot under way is left; the queued ones would take CPU from the build's jobs.
            assertThat(spares.pending()).isLessThanOrEqualTo(1);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> spares.pending() == 0);
            assertThat(spares.started() + (taken == null ? 0 : 1)).isLessThanOrEqualTo(1);
            if (taken != null) taken.close();
        } finally {
            spares.close().forEach(java.util.concurrent.CompletableFuture::join);
        }
    }

    @Test
    void localModeBootsOnlyWhatItWasAskedFor(@TempDir Path dir) {
        Spares spares = new Spares(dir.resolve("work"), 8, "rspec", false);
        try {
            assertThat(spares.wanted()).as("an idle local instance boots none").isFalse();
            assertThat(new Spares(dir.resolve("work"), 8, null, true).wanted()).as("no framework yet").isFalse();
        } finally {
            spares.close();
        }
    }
}
