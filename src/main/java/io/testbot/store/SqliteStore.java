package io.testbot.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.testbot.protocol.BuildEvent;
import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.BuildStatus;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.JobResult;
import io.testbot.protocol.Json;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.ConnectionFactory;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/** The SQLite store: one file under the server's data dir, schema managed by Flyway. */
public final class SqliteStore implements Store {
    private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() {};

    /** The newest migration under db/migration; SqliteStoreTest keeps the two in step. */
    static final int SCHEMA_VERSION = 4;

    private final Jdbi jdbi;
    private final SharedConnection connection;

    /**
     * One connection for the whole store, lent to one handle at a time (handles are never nested here). SQLite runs
     * one writer at a time anyway; a connection per handle cost an open and a close each time, and under many
     * threads it once hung for good inside SQLite's own open and close.
     */
    private static final class SharedConnection implements ConnectionFactory {
        private final SQLiteDataSource source;
        private final ReentrantLock lock = new ReentrantLock();
        private Connection connection;

        SharedConnection(SQLiteDataSource source) {
            this.source = source;
        }

        @Override
        public Connection openConnection() throws SQLException {
            lock.lock();
            try {
                if (connection == null || connection.isClosed()) connection = source.getConnection();
                return connection;
            } catch (SQLException | RuntimeException e) {
                lock.unlock();
                throw e;
            }
        }

        @Override
        public void closeConnection(Connection lent) throws SQLException {
            try {
                // A handle that failed mid-transaction must not leave it open for the next one.
                if (!lent.isClosed() && !lent.getAutoCommit()) {
                    lent.rollback();
                    lent.setAutoCommit(true);
                }
            } finally {
                lock.unlock();
            }
        }

        void close() throws SQLException {
            lock.lock();
            try {
                if (connection != null) connection.close();
                connection = null;
            } finally {
                lock.unlock();
            }
        }
    }

    public SqliteStore(Path databaseFile) {
        pinNativeLibrary(databaseFile.toAbsolutePath().getParent().resolve("native"));
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(10_000);
        config.enforceForeignKeys(true);
        SQLiteDataSource dataSource = new SQLiteDataSource(config);
        dataSource.setUrl("jdbc:sqlite:" + databaseFile.toAbsolutePath());
        this.connection = new SharedConnection(dataSource);
        try {
            // Opened here, so that a file that cannot be opened says so in one line (Flyway would say it in seven).
            connection.closeConnection(connection.openConnection());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the database " + databaseFile.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        this.jdbi = Jdbi.create(connection);
        // Flyway takes a third of a second to start even with nothing to do, and local mode opens the store on
        // every run: it is only started when the schema is behind.
        if (schemaVersion() != SCHEMA_VERSION) {
            Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
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
            return jdbi.withHandle(h -> h.createQuery("SELECT MAX(CAST(version AS INTEGER)) FROM flyway_schema_history WHERE success = 1")
                    .mapTo(Integer.class).findOne().orElse(-1));
        } catch (RuntimeException noHistoryYet) {
            return -1;
        }
    }

    @Override
    public void saveRunner(RunnerRow r) {
        jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO runners (id, hostname, address, version, instances, work_dir, registered_at, last_seen_at)
                        VALUES (:id, :hostname, :address, :version, :instances, :workDir, :registeredAt, :lastSeenAt)
                        ON CONFLICT(id) DO UPDATE SET hostname = excluded.hostname, address = excluded.address,
                          version = excluded.version, instances = excluded.instances, work_dir = excluded.work_dir,
                          last_seen_at = excluded.last_seen_at""")
                .bind("id", r.id()).bind("hostname", r.hostname()).bind("address", r.address())
                .bind("version", r.version()).bind("instances", r.instances()).bind("workDir", r.workDir())
                .bind("registeredAt", r.registeredAt().toEpochMilli()).bind("lastSeenAt", r.lastSeenAt().toEpochMilli())
                .execute());
    }

    @Override
    public void touchRunner(String runnerId, Instant seenAt) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE runners SET last_seen_at = :at WHERE id = :id")
                .bind("at", seenAt.toEpochMilli()).bind("id", runnerId).execute());
    }

    @Override
    public List<RunnerRow> runners() {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM runners ORDER BY registered_at")
                .map((rs, ctx) -> new RunnerRow(rs.getString("id"), rs.getString("hostname"), rs.getString("address"),
                        rs.getString("version"), rs.getInt("instances"), rs.getString("work_dir"),
                        Instant.ofEpochMilli(rs.getLong("registered_at")), Instant.ofEpochMilli(rs.getLong("last_seen_at"))))
                .list());
    }

    @Override
    public long createBuild(BuildRequest request, List<List<String>> jobFiles, Instant createdAt) {
        return jdbi.inTransaction(h -> {
            long id = h.createUpdate("""
                            INSERT INTO builds (project, adapter, status, requested_by, files, jobs, request_json, created_at)
                            VALUES (:project, :adapter, 'running', :by, :files, :jobs, :json, :at)""")
                    .bind("project", request.project()).bind("adapter", request.adapter()).bind("by", request.requestedBy())
                    .bind("files", request.files().size()).bind("jobs", jobFiles.size())
                    .bind("json", toJson(request)).bind("at", createdAt.toEpochMilli())
                    .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
            PreparedBatch batch = h.prepareBatch("INSERT INTO jobs (build_id, files_json, status) VALUES (:build, :files, 'queued')");
            for (List<String> files : jobFiles) batch.bind("build", id).bind("files", toJson(files)).add();
            batch.execute();
            return id;
        });
    }

    private static final String BUILD_COLUMNS = """
            SELECT b.*, (SELECT COUNT(*) FROM jobs j WHERE j.build_id = b.id AND j.status IN ('done', 'cancelled')) AS jobs_done
            FROM builds b""";

    private static BuildInfo mapBuild(ResultSet rs) throws SQLException {
        long finished = rs.getLong("finished_at");
        return new BuildInfo(rs.getLong("id"), rs.getString("project"), rs.getString("adapter"), rs.getString("status"),
                rs.getInt("jobs"), rs.getInt("jobs_done"), rs.getInt("files"), rs.getString("requested_by"),
                Instant.ofEpochMilli(rs.getLong("created_at")), rs.wasNull() || finished == 0 ? null : Instant.ofEpochMilli(finished));
    }

    @Override
    public BuildInfo build(long id) {
        return jdbi.withHandle(h -> h.createQuery(BUILD_COLUMNS + " WHERE b.id = :id").bind("id", id)
                .map((rs, ctx) -> mapBuild(rs)).findOne().orElse(null));
    }

    @Override
    public BuildRequest buildRequest(long id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT request_json FROM builds WHERE id = :id").bind("id", id)
                .mapTo(String.class).findOne().map(json -> fromJson(json, BuildRequest.class)).orElse(null));
    }

    @Override
    public List<BuildInfo> recentBuilds(int limit) {
        return jdbi.withHandle(h -> h.createQuery(BUILD_COLUMNS + " ORDER BY b.id DESC LIMIT :limit").bind("limit", limit)
                .map((rs, ctx) -> mapBuild(rs)).list());
    }

    @Override
    public List<BuildInfo> buildsWithStatus(String status) {
        return jdbi.withHandle(h -> h.createQuery(BUILD_COLUMNS + " WHERE b.status = :status ORDER BY b.id").bind("status", status)
                .map((rs, ctx) -> mapBuild(rs)).list());
    }

    @Override
    public BuildEvent finishBuild(long id, String status, Instant finishedAt) {
        return jdbi.inTransaction(h -> finishBuild(h, id, status, finishedAt));
    }

    private static BuildEvent finishBuild(Handle h, long id, String status, Instant finishedAt) {
        h.createUpdate("UPDATE jobs SET status = 'cancelled', finished_at = :at WHERE build_id = :id AND status IN ('queued', 'running')")
                .bind("at", finishedAt.toEpochMilli()).bind("id", id).execute();
        h.createUpdate("UPDATE builds SET status = :status, finished_at = :at WHERE id = :id")
                .bind("status", status).bind("at", finishedAt.toEpochMilli()).bind("id", id).execute();
        BuildInfo info = h.createQuery(BUILD_COLUMNS + " WHERE b.id = :id").bind("id", id).map((rs, ctx) -> mapBuild(rs)).one();
        return appendEvent(h, id, new BuildEvent(0, BuildEvent.BUILD_FINISHED, null, null, null, info, 0, null));
    }

    @Override
    public List<JobRow> jobs(long buildId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM jobs WHERE build_id = :build ORDER BY id").bind("build", buildId)
                .map((rs, ctx) -> {
                    String result = rs.getString("result_json");
                    return new JobRow(rs.getLong("id"), rs.getLong("build_id"), fromJson(rs.getString("files_json"), STRING_LIST),
                            rs.getString("status"), rs.getString("runner_id"), result == null ? null : fromJson(result, JobResult.class),
                            rs.getInt("attempt"), rs.getString("avoid_runner"));
                }).list());
    }

    @Override
    public void jobStarted(long jobId, String runnerId, Instant startedAt) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE jobs SET status = 'running', runner_id = :runner, started_at = :at WHERE id = :id")
                .bind("runner", runnerId).bind("at", startedAt.toEpochMilli()).bind("id", jobId).execute());
    }

    @Override
    public void jobRequeued(long jobId) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE jobs SET status = 'queued', runner_id = NULL, started_at = NULL WHERE id = :id")
                .bind("id", jobId).execute());
    }

    @Override
    public Recorded recordJobResult(long buildId, long jobId, String project, String adapter, String runnerName, JobResult result,
                                    int attempt, List<String> jobFiles, Retry retry, Instant at) {
        return jdbi.inTransaction(h -> recordJobResult(h, buildId, jobId, project, adapter, runnerName, result, attempt, jobFiles, retry, at));
    }

    private static Recorded recordJobResult(Handle h, long buildId, long jobId, String project, String adapter, String runnerName,
                                            JobResult result, int attempt, List<String> jobFiles, Retry retry, Instant at) {
        h.createUpdate("UPDATE jobs SET status = 'done', result_json = :result, finished_at = :at WHERE id = :id")
                .bind("result", toJson(result)).bind("at", at.toEpochMilli()).bind("id", jobId).execute();
        if (!result.files().isEmpty()) {
            PreparedBatch batch = h.prepareBatch("""
                    INSERT INTO file_results (build_id, job_id, path, examples, failures, pending, seconds)
                    VALUES (:build, :job, :path, :examples, :failures, :pending, :seconds)""");
            for (FileResult r : result.files()) {
                batch.bind("build", buildId).bind("job", jobId).bind("path", r.path()).bind("examples", r.examples())
                        .bind("failures", r.failures()).bind("pending", r.pending()).bind("seconds", r.seconds()).add();
            }
            batch.execute();
        }
        if (!result.errored() && attempt == 0) {
            Map<String, Double> seconds = new HashMap<>();
            for (FileResult f : result.files()) seconds.put(f.path(), f.seconds());
            upsertRuntimes(h, project, adapter, buildId, seconds, at);
            if (!result.files().isEmpty()) {
                double overhead = Math.max(0, result.seconds() - seconds.values().stream().mapToDouble(Double::doubleValue).sum());
                recordOverhead(h, project, adapter, overhead, at);
            }
        }
        Long retryJobId = null;
        if (retry != null) {
            retryJobId = h.createUpdate("INSERT INTO jobs (build_id, files_json, status, attempt, avoid_runner) VALUES (:build, :files, 'queued', :attempt, :avoid)")
                    .bind("build", buildId).bind("files", toJson(retry.files())).bind("attempt", retry.attempt())
                    .bind("avoid", retry.avoidRunner()).executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
            h.createUpdate("UPDATE builds SET jobs = jobs + 1 WHERE id = :id").bind("id", buildId).execute();
        }
        BuildEvent event = appendEvent(h, buildId, new BuildEvent(0, BuildEvent.JOB_FINISHED, jobId, runnerName, result, null, attempt, jobFiles));
        return new Recorded(event, retryJobId);
    }

    @Override
    public void rehearseResult(long buildId, long jobId, String project, String adapter, List<String> jobFiles) {
        jdbi.useHandle(h -> {
            h.begin();
            try {
                Instant now = Instant.now();
                JobResult result = new JobResult("rehearsal", 1, 0, false, "", 0, 0, "",
                        jobFiles.stream().map(path -> new FileResult(path, 1, 0, 0, 0, List.of())).toList());
                long after = recordJobResult(h, buildId, jobId, project, adapter, "rehearsal", result, 0, jobFiles, null, now).event().seq() - 1;
                finishBuild(h, buildId, BuildStatus.PASSED, now);
                events(h, buildId, after);
            } finally {
                h.rollback();
            }
        });
    }

    @Override
    public void recordRuntimes(String project, String adapter, Map<String, Double> secondsByPath, Instant at) {
        jdbi.useHandle(h -> upsertRuntimes(h, project, adapter, null, secondsByPath, at));
    }

    /** A file's runtime is replaced by each new build's, and summed over the jobs of one build (its parts). */
    private static void upsertRuntimes(Handle h, String project, String adapter, Long buildId, Map<String, Double> secondsByPath, Instant at) {
        if (secondsByPath.isEmpty()) return;
        PreparedBatch batch = h.prepareBatch("""
                INSERT INTO runtimes (project, adapter, path, seconds, updated_at, build_id) VALUES (:project, :adapter, :path, :seconds, :at, :build)
                ON CONFLICT(project, adapter, path) DO UPDATE SET
                  seconds = CASE WHEN runtimes.build_id = excluded.build_id THEN runtimes.seconds + excluded.seconds ELSE excluded.seconds END,
                  build_id = excluded.build_id, updated_at = excluded.updated_at""");
        secondsByPath.forEach((path, seconds) -> batch.bind("project", project).bind("adapter", adapter).bind("path", path)
                .bind("seconds", seconds).bind("at", at.toEpochMilli()).bind("build", buildId).add());
        batch.execute();
    }

    /** A running mean over the first samples, then an exponential average that follows a project as it changes. */
    private static void recordOverhead(Handle h, String project, String adapter, double seconds, Instant at) {
        h.createUpdate("""
                        INSERT INTO job_overheads (project, adapter, seconds, samples, updated_at) VALUES (:project, :adapter, :seconds, 1, :at)
                        ON CONFLICT(project, adapter) DO UPDATE SET
                          seconds = seconds + (excluded.seconds - seconds) / MIN(samples + 1, 10),
                          samples = samples + 1, updated_at = excluded.updated_at""")
                .bind("project", project).bind("adapter", adapter).bind("seconds", seconds).bind("at", at.toEpochMilli()).execute();
    }

    @Override
    public java.util.OptionalDouble jobOverhead(String project, String adapter) {
        return jdbi.withHandle(h -> h.createQuery("SELECT seconds FROM job_overheads WHERE project = :project AND adapter = :adapter")
                .bind("project", project).bind("adapter", adapter).mapTo(Double.class).findOne()
                .map(java.util.OptionalDouble::of).orElse(java.util.OptionalDouble.empty()));
    }

    @Override
    public Map<String, Double> runtimes(String project, String adapter) {
        return jdbi.withHandle(h -> {
            Map<String, Double> result = new HashMap<>();
            h.createQuery("SELECT path, seconds FROM runtimes WHERE project = :project AND adapter = :adapter")
                    .bind("project", project).bind("adapter", adapter)
                    .map((rs, ctx) -> Map.entry(rs.getString("path"), rs.getDouble("seconds")))
                    .forEach(e -> result.put(e.getKey(), e.getValue()));
            return result;
        });
    }

    private static BuildEvent appendEvent(Handle h, long buildId, BuildEvent event) {
        long seq = h.createQuery("SELECT COALESCE(MAX(seq), 0) + 1 FROM build_events WHERE build_id = :build")
                .bind("build", buildId).mapTo(Long.class).one();
        BuildEvent numbered = new BuildEvent(seq, event.kind(), event.jobId(), event.runner(), event.result(), event.build(),
                event.attempt(), event.jobFiles());
        h.createUpdate("INSERT INTO build_events (build_id, seq, kind, job_id, payload_json) VALUES (:build, :seq, :kind, :job, :payload)")
                .bind("build", buildId).bind("seq", seq).bind("kind", event.kind()).bind("job", event.jobId())
                .bind("payload", toJson(numbered)).execute();
        return numbered;
    }

    @Override
    public List<BuildEvent> events(long buildId, long afterSeq) {
        return jdbi.withHandle(h -> events(h, buildId, afterSeq));
    }

    private static List<BuildEvent> events(Handle h, long buildId, long afterSeq) {
        return h.createQuery("SELECT payload_json FROM build_events WHERE build_id = :build AND seq > :after ORDER BY seq")
                .bind("build", buildId).bind("after", afterSeq).mapTo(String.class)
                .map(json -> fromJson(json, BuildEvent.class)).list();
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // the process is letting go of the file either way
        }
    }

    private static String toJson(Object value) {
        try {
            return Json.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T fromJson(String json, Class<T> type) {
        try {
            return Json.MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T fromJson(String json, TypeReference<T> type) {
        try {
            return Json.MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
