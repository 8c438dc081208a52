package io.testbot.store;

import org.flywaydb.core.Flyway;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.OSInfo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The SQLite store (the default): one file under the server's data dir, schema managed by Flyway. One connection
 * writes, another reads; the statements are {@link JdbcStore}'s.
 */
public final class SqliteStore extends JdbcStore {
    /** The newest migration under db/migration; SqliteStoreTest keeps the two in step. */
    static final int SCHEMA_VERSION = 8;

    private final SQLiteDataSource source;
    /**
     * One connection, used by one caller at a time, opened on first use (and again should it be closed). A
     * connection per call cost an open and a close each time, and under many threads it once hung for good inside
     * SQLite's own open and close.
     */
    private final class Held {
        private final ReentrantLock lock = new ReentrantLock();
        private Connection connection;

        <T> T run(Work<T> work) {
            lock.lock();
            try {
                if (connection == null || connection.isClosed()) connection = source.getConnection();
                return work.on(connection);
            } catch (SQLException e) {
                throw new StoreException(e);
            } finally {
                lock.unlock();
            }
        }

        void close() {
            lock.lock();
            try {
                if (connection != null) connection.close();
            } catch (SQLException e) {
                // the process is letting go of the file either way
            } finally {
                connection = null;
                lock.unlock();
            }
        }
    }

    /** The connection that writes (and reads what a write needs): SQLite runs one writer at a time anyway. */
    private final Held writer = new Held();
    /**
     * A second connection for reads alone: in WAL mode a reader does not wait for the writer, so following a build
     * (its events, read and parsed while runners report) does not hold up the results being written.
     */
    private final Held reader = new Held();

    public SqliteStore(Path databaseFile) {
        pinNativeLibrary(databaseFile.toAbsolutePath().getParent().resolve("native"));
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(10_000);
        config.enforceForeignKeys(true);
        this.source = new SQLiteDataSource(config);
        try {
            // SQLite gives its -wal and -shm files the database file's mode.
            io.testbot.sync.PrivateFiles.file(databaseFile);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create the database " + databaseFile.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        source.setUrl("jdbc:sqlite:" + databaseFile.toAbsolutePath());
        try {
            // Opened here, so that a file that cannot be opened says so in one line (Flyway would say it in seven).
            writer.connection = source.getConnection();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the database " + databaseFile.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        // Flyway takes a third of a second to start even with nothing to do, and local mode opens the store on
        // every run: it is only started when the schema is behind.
        if (schemaVersion() != SCHEMA_VERSION) {
            Flyway.configure().dataSource(source).locations("classpath:db/migration").load().migrate();
        }
    }

    /**
     * sqlite-jdbc unpacks its native library into /tmp under a new name on every start, and a process that is
     * killed leaves it there (a megabyte each time): unpack it once, beside the database, and load it from there.
     * Where that is not possible the driver does as it always does.
     */
    private static synchronized void pinNativeLibrary(Path dir) {
        if (System.getProperty("org.sqlite.lib.path") != null) return;
        String name = System.mapLibraryName("sqlitejdbc");
        String resource = "/org/sqlite/native/" + OSInfo.getNativeLibFolderPathForCurrentOS() + "/" + name;
        try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
            if (in == null) return;
            Path folder = Files.createDirectories(dir.resolve("sqlite-jdbc-" + SQLiteJDBCLoader.getVersion()));
            Path library = folder.resolve(name);
            if (!Files.isRegularFile(library)) {
                Path temporary = Files.createTempFile(folder, name, ".tmp");
                try {
                    Files.copy(in, temporary, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(temporary, library, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } finally {
                    Files.deleteIfExists(temporary);
                }
            }
            System.setProperty("org.sqlite.lib.path", folder.toString());
            System.setProperty("org.sqlite.lib.name", name);
        } catch (IOException | RuntimeException e) {
            // fall back to the driver's own unpacking
        }
    }

    /** The newest schema version applied successfully, or -1 for a new database. */
    int schemaVersion() {
        try {
            Integer version = withConnection(c -> one(c, "SELECT MAX(CAST(version AS INTEGER)) FROM flyway_schema_history WHERE success = 1",
                    rs -> nullableInt(rs, 1)));
            return version == null ? -1 : version;
        } catch (RuntimeException noHistoryYet) {
            return -1;
        }
    }

    // ---- connections ---------------------------------------------------------------------------------------

    @Override
    <T> T withConnection(Work<T> work) {
        return writer.run(work);
    }

    @Override
    <T> T reading(Work<T> work) {
        return reader.run(work);
    }

    @Override
    String jobInstanceSql() {
        return "runner_id || '#' || json_extract(result_json, '$.instance')";
    }

    @Override
    public void close() {
        reader.close();
        writer.close();
    }

}
