package io.testbot.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
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
}
