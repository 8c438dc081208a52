package io.testbot.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The store contract on SQLite, and what is SQLite's own: its file, its schema version. */
class SqliteStoreTest extends StoreContractTest {
    @TempDir
    Path dir;

    @Override
    Store open() {
        return Stores.open("sqlite:" + dir.resolve("db.sqlite"));
    }

    @Test
    void schemaVersionMatchesTheNewestMigration() throws Exception {
        try (Stream<Path> migrations = Files.list(Path.of("src/main/resources/db/migration"))) {
            int newest = migrations.map(p -> p.getFileName().toString()).filter(n -> n.matches("V\\d+__.*\\.sql"))
                    .mapToInt(n -> Integer.parseInt(n.substring(1, n.indexOf("__")))).max().orElseThrow();
            assertThat(SqliteStore.SCHEMA_VERSION).as("bump SqliteStore.SCHEMA_VERSION with each migration").isEqualTo(newest);
        }
    }

    @Test
    void aNewDatabaseIsMigrated() {
        assertThat(((SqliteStore) store).schemaVersion()).isEqualTo(SqliteStore.SCHEMA_VERSION);
    }

    @Test
    void aDatabaseOfTheLastSchemaKeepsItsRunnersAndJobStartUpsAsWarm() throws Exception {
        Path file = dir.resolve("v6.sqlite");
        org.sqlite.SQLiteDataSource source = new org.sqlite.SQLiteDataSource();
        source.setUrl("jdbc:sqlite:" + file);
        org.flywaydb.core.Flyway.configure().dataSource(source).locations("classpath:db/migration").target("6").load().migrate();
        try (var c = source.getConnection(); var s = c.createStatement()) {
            s.executeUpdate("INSERT INTO runners (id, hostname, address, version, instances, work_dir, registered_at, last_seen_at) VALUES ('r1', 'h', 'a', '1', 2, '/w', 1, 1)");
            s.executeUpdate("INSERT INTO job_overheads (project, adapter, seconds, samples, updated_at) VALUES ('p', 'rspec', 0.2, 3, 1)");
        }
        try (SqliteStore migrated = new SqliteStore(file)) {
            assertThat(migrated.runners()).singleElement().extracting(Store.RunnerRow::processPerJob).isEqualTo(false);
            assertThat(migrated.runners()).singleElement().extracting(Store.RunnerRow::coreBound).as("JVMs at once: all its instances").isEqualTo(2);
            assertThat(migrated.jobOverhead(new Store.HistoryKey("p", "rspec", false))).hasValue(0.2);
            assertThat(migrated.jobOverhead(new Store.HistoryKey("p", "rspec", true))).isEmpty();
        }
    }

    @Test
    void aDatabaseThatCannotBeOpenedSaysSoInOneLine() throws Exception {
        Path file = Files.createDirectories(dir.resolve("elsewhere.sqlite")); // a directory where the file should be
        assertThatThrownBy(() -> new SqliteStore(file))
                .hasMessageStartingWith("cannot open the database " + file)
                .hasMessageNotContaining("\n");
    }

    @Test
    void aStoreUrlThatNamesNoBackendSaysWhatItTakes() {
        assertThatThrownBy(() -> Stores.open("mysql://root:secret@db/testbot"))
                .hasMessage("unknown store mysql://root:***@db/testbot; use sqlite:PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE");
        assertThatThrownBy(() -> Stores.open("sqlite:")).hasMessageContaining("path is missing");
    }
}
