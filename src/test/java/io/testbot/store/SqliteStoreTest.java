package io.testbot.store;

import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.BuildStatus;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.JobResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class SqliteStoreTest {
    @Test
    void schemaVersionMatchesTheNewestMigration() throws Exception {
        try (Stream<Path> migrations = Files.list(Path.of("src/main/resources/db/migration"))) {
            int newest = migrations.map(p -> p.getFileName().toString()).filter(n -> n.matches("V\\d+__.*\\.sql"))
                    .mapToInt(n -> Integer.parseInt(n.substring(1, n.indexOf("__")))).max().orElseThrow();
            assertThat(SqliteStore.SCHEMA_VERSION).as("bump SqliteStore.SCHEMA_VERSION with each migration").isEqualTo(newest);
        }
    }

    @Test
    void aNewDatabaseIsMigratedAndAnOpenedOneKeepsItsData(@TempDir Path dir) {
        Path file = dir.resolve("db.sqlite");
        SqliteStore first = new SqliteStore(file);
        assertThat(first.schemaVersion()).isEqualTo(SqliteStore.SCHEMA_VERSION);
        first.recordRuntimes("p", "rspec", java.util.Map.of("a_spec.rb", 1.5), java.time.Instant.now());
        SqliteStore again = new SqliteStore(file);
        assertThat(again.runtimes("p", "rspec")).containsEntry("a_spec.rb", 1.5);
    }

    @Test
    void aFileIsPlannedFromSeveralBuildsNotTheLastOneAlone(@TempDir Path dir) {
        SqliteStore store = new SqliteStore(dir.resolve("db.sqlite"));
        for (int build = 0; build < 4; build++) store.recordRuntimes("p", "rspec", java.util.Map.of("a_spec.rb", 1.0), java.time.Instant.now());
        assertThat(store.runtimes("p", "rspec")).containsEntry("a_spec.rb", 1.0);
        store.recordRuntimes("p", "rspec", java.util.Map.of("a_spec.rb", 2.5), java.time.Instant.now());
        assertThat(store.runtimes("p", "rspec").get("a_spec.rb")).isBetween(1.4, 2.0);
    }

    @Test
    void aDatabaseThatCannotBeOpenedSaysSoInOneLine(@TempDir Path dir) throws Exception {
        Path file = Files.createDirectories(dir.resolve("db.sqlite")); // a directory where the file should be
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SqliteStore(file))
                .hasMessageStartingWith("cannot open the database " + file)
                .hasMessageNotContaining("\n");
    }

    @Test
    void aJobThatPaidItsWorkersBootSaysNothingOfWhatStartingAJobCosts(@TempDir Path dir) {
        try (SqliteStore store = new SqliteStore(dir.resolve("db.sqlite"))) {
            Instant now = Instant.now();
            BuildRequest request = new BuildRequest("p", "test", List.of("a_test.rb", "b_test.rb"), List.of(), null, null, 0,
                    "me", false, 0, 0, null);
            long build = store.createBuild(request, List.of(List.of("a_test.rb"), List.of("b_test.rb")), now);
            List<Store.JobRow> jobs = store.jobs(build);
            // The instance's first job loaded the helper (1.5 s) in its new worker; the second forked from it.
            JobResult first = new JobResult("runner-1", 1, 0, false, "", 2.0, 0, "ruby a_test.rb",
                    List.of(new FileResult("a_test.rb", 1, 0, 0, 0.4, List.of())), true);
            JobResult second = new JobResult("runner-1", 1, 0, false, "", 0.45, 0, "ruby b_test.rb",
                    List.of(new FileResult("b_test.rb", 1, 0, 0, 0.4, List.of())), false);
            store.jobStarted(jobs.get(0).id(), "runner-1", now);
            store.recordJobResult(build, jobs.get(0).id(), "p", "test", "host", first, 0, List.of("a_test.rb"), null, now);
            assertThat(store.jobOverhead("p", "test")).isEmpty();
            store.jobStarted(jobs.get(1).id(), "runner-1", now);
            store.recordJobResult(build, jobs.get(1).id(), "p", "test", "host", second, 0, List.of("b_test.rb"), null, now);
            assertThat(store.jobOverhead("p", "test").getAsDouble()).isCloseTo(0.05, org.assertj.core.api.Assertions.within(1e-9));
            assertThat(store.runtimes("p", "test")).containsOnly(java.util.Map.entry("a_test.rb", 0.4), java.util.Map.entry("b_test.rb", 0.4));
        }
    }

    @Test
    void aRehearsedResultLeavesNothingBehind(@TempDir Path dir) {
        try (SqliteStore store = new SqliteStore(dir.resolve("db.sqlite"))) {
            Instant now = Instant.now();
            BuildRequest request = new BuildRequest("p", "rspec", List.of("a_spec.rb", "b_spec.rb"), List.of(), null, null, 0,
                    "me", false, 0, 0, null);
            long build = store.createBuild(request, List.of(List.of("a_spec.rb"), List.of("b_spec.rb")), now);
            List<Store.JobRow> jobs = store.jobs(build);
            store.jobStarted(jobs.get(0).id(), "runner-1", now);

            store.rehearseResult(build, jobs.get(0).id(), "p", "rspec", List.of("a_spec.rb"));

            assertThat(store.build(build).status()).isEqualTo(BuildStatus.RUNNING);
            assertThat(store.jobs(build)).extracting(Store.JobRow::status).containsExactly("running", "queued");
            assertThat(store.events(build, 0)).isEmpty();
            assertThat(store.runtimes("p", "rspec")).isEmpty();
            assertThat(store.jobOverhead("p", "rspec")).isEmpty();
            // The real result that follows is numbered and recorded as if there had been no rehearsal.
            JobResult result = new JobResult("runner-1", 1, 0, false, "", 1.25, 0, "rspec a_spec.rb",
                    List.of(new FileResult("a_spec.rb", 2, 0, 0, 1.0, List.of())));
            Store.Recorded recorded = store.recordJobResult(build, jobs.get(0).id(), "p", "rspec", "host", result, 0, List.of("a_spec.rb"), null, now);
            assertThat(recorded.event().seq()).isEqualTo(1);
            assertThat(store.runtimes("p", "rspec")).containsOnly(java.util.Map.entry("a_spec.rb", 1.0));
            assertThat(store.jobs(build)).extracting(Store.JobRow::status).containsExactly("done", "queued");
        }
    }
}
