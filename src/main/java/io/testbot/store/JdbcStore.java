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

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The store's domain operations in SQL that SQLite and PostgreSQL both run, over plain JDBC. A backend says how
 * it hands out connections (for writing, and for reading alone) and the little SQL that differs between them.
 * (It used JDBI until local mode's runs were traced: JDBI's set-up and its first statements took 130-200 ms of every
 * run's way to its first spec; in a bare JVM, a transaction of four statements took 2-3 ms once warm against
 * JDBC's 0.3-0.6.)
 */
abstract class JdbcStore implements Store, Store.Rehearsal {
    private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() {};

    /** Statements run on a connection. */
    interface Work<T> {
        T on(Connection c) throws SQLException;
    }

    /** Reads the current row of a result. */
    interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** Runs statements that may write, on a connection of the backend's; autocommit unless the work says otherwise. */
    abstract <T> T withConnection(Work<T> work);

    /** Runs statements that only read (a backend may give them a connection that does not wait for writers). */
    abstract <T> T reading(Work<T> work);

    /** The expression that names a job's runner instance in a row of jobs, for counting the instances of a build. */
    abstract String jobInstanceSql();

    /**
     * Holds the build's row until the transaction ends, so that its events are numbered one after another even when
     * several servers record results of one build (SQLite has one writer at a time already).
     */
    void lockBuild(Connection c, long buildId) throws SQLException {
    }

    /**
     * Holds a project's runtime history until the transaction ends: results of two builds of one project, recorded
     * at once, would otherwise take its rows (runtimes, the job overhead) in different orders and deadlock.
     */
    void lockHistory(Connection c, String project, String adapter) throws SQLException {
    }

    /** Runs the work in one transaction: all of it is committed, or, should anything fail, none of it. */
    <T> T inTransaction(Work<T> work) {
        return withConnection(c -> {
            c.setAutoCommit(false);
            try {
                T result = work.on(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException alsoFailed) {
                    e.addSuppressed(alsoFailed);
                }
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        });
    }

    static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement statement = c.prepareStatement(sql);
        try {
            bind(statement, args);
            return statement;
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
        }
    }

    private static void bind(PreparedStatement statement, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) statement.setObject(i + 1, args[i]);
    }

    /** Runs an INSERT, UPDATE or DELETE; returns how many rows it changed. */
    static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement statement = prepare(c, sql, args)) {
            return statement.executeUpdate();
        }
    }

    /** Runs an INSERT; returns the new row's id. */
    private static long insert(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement statement = c.prepareStatement(sql, new String[]{"id"})) {
            bind(statement, args);
            statement.executeUpdate();
            try (ResultSet keys = statement.getGeneratedKeys()) {
                if (!keys.next()) throw new SQLException("no id for the new row: " + sql);
                return keys.getLong(1);
            }
        }
    }

    /** Runs one statement once for each row of arguments. */
    private static void batch(Connection c, String sql, List<Object[]> rows) throws SQLException {
        if (rows.isEmpty()) return;
        try (PreparedStatement statement = c.prepareStatement(sql)) {
            for (Object[] row : rows) {
                bind(statement, row);
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    private static <T> List<T> list(Connection c, String sql, Row<T> row, Object... args) throws SQLException {
        try (PreparedStatement statement = prepare(c, sql, args); ResultSet rs = statement.executeQuery()) {
            List<T> rows = new ArrayList<>();
            while (rs.next()) rows.add(row.read(rs));
            return rows;
        }
    }

    /** The first row's value, or null when there is no row. */
    static <T> T one(Connection c, String sql, Row<T> row, Object... args) throws SQLException {
        try (PreparedStatement statement = prepare(c, sql, args); ResultSet rs = statement.executeQuery()) {
            return rs.next() ? row.read(rs) : null;
        }
    }

    static Integer nullableInt(ResultSet rs, int column) throws SQLException {
        int value = rs.getInt(column);
        return rs.wasNull() ? null : value;
    }

    /** A statement that failed; the server answers 500 and carries on. */
    public static final class StoreException extends RuntimeException {
        public StoreException(SQLException cause) {
            super(cause.getMessage(), cause);
        }
    }

    // ---- runners ---------------------------------------------------------------------------------------------

    @Override
    public void saveRunner(RunnerRow r) {
        withConnection(c -> update(c, """
                        INSERT INTO runners (id, hostname, address, version, instances, work_dir, registered_at, last_seen_at, process_per_job,
                          core_bound_instances)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(id) DO UPDATE SET hostname = excluded.hostname, address = excluded.address,
                          version = excluded.version, instances = excluded.instances, work_dir = excluded.work_dir,
                          last_seen_at = excluded.last_seen_at, process_per_job = excluded.process_per_job,
                          core_bound_instances = excluded.core_bound_instances""",
                r.id(), r.hostname(), r.address(), r.version(), r.instances(), r.workDir(),
                r.registeredAt().toEpochMilli(), r.lastSeenAt().toEpochMilli(), r.processPerJob() ? 1 : 0, r.coreBoundInstances()));
    }

    @Override
    public void touchRunner(String runnerId, Instant seenAt) {
        withConnection(c -> progress(c, new RunnerSeen(runnerId, seenAt)));
    }

    @Override
    public List<RunnerRow> runners() {
        return reading(c -> list(c, "SELECT * FROM runners ORDER BY registered_at",
                rs -> new RunnerRow(rs.getString("id"), rs.getString("hostname"), rs.getString("address"),
                        rs.getString("version"), rs.getInt("instances"), rs.getString("work_dir"),
                        Instant.ofEpochMilli(rs.getLong("registered_at")), Instant.ofEpochMilli(rs.getLong("last_seen_at")),
                        rs.getInt("process_per_job") != 0, rs.getInt("core_bound_instances"))));
    }

    // ---- builds and jobs -------------------------------------------------------------------------------------

    @Override
    public long createBuild(BuildRequest request, List<List<String>> jobFiles, Instant createdAt) {
        return inTransaction(c -> {
            long id = insert(c, """
                            INSERT INTO builds (project, adapter, status, requested_by, files, jobs, request_json, created_at)
                            VALUES (?, ?, 'running', ?, ?, ?, ?, ?)""",
                    request.project(), request.adapter(), request.requestedBy(), request.files().size(), jobFiles.size(),
                    toJson(request), createdAt.toEpochMilli());
            List<Object[]> jobs = new ArrayList<>();
            for (List<String> files : jobFiles) jobs.add(new Object[]{id, toJson(files)});
            batch(c, "INSERT INTO jobs (build_id, files_json, status) VALUES (?, ?, 'queued')", jobs);
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
        return reading(c -> one(c, BUILD_COLUMNS + " WHERE b.id = ?", JdbcStore::mapBuild, id));
    }

    @Override
    public BuildRequest buildRequest(long id) {
        String json = reading(c -> one(c, "SELECT request_json FROM builds WHERE id = ?", rs -> rs.getString(1), id));
        return json == null ? null : fromJson(json, BuildRequest.class);
    }

    @Override
    public String buildStatus(long id) {
        return reading(c -> one(c, "SELECT status FROM builds WHERE id = ?", rs -> rs.getString(1), id));
    }

    @Override
    public List<BuildInfo> recentBuilds(int limit) {
        return reading(c -> list(c, BUILD_COLUMNS + " ORDER BY b.id DESC LIMIT ?", JdbcStore::mapBuild, limit));
    }

    @Override
    public List<BuildInfo> buildsWithStatus(String status) {
        return reading(c -> list(c, BUILD_COLUMNS + " WHERE b.status = ? ORDER BY b.id", JdbcStore::mapBuild, status));
    }

    @Override
    public BuildEvent finishBuild(long id, String status, Instant finishedAt) {
        return inTransaction(c -> finishBuild(c, id, status, finishedAt));
    }

    private BuildEvent finishBuild(Connection c, long id, String status, Instant finishedAt) throws SQLException {
        update(c, "UPDATE jobs SET status = 'cancelled', finished_at = ? WHERE build_id = ? AND status IN ('queued', 'running')",
                finishedAt.toEpochMilli(), id);
        update(c, "UPDATE builds SET status = ?, finished_at = ? WHERE id = ?", status, finishedAt.toEpochMilli(), id);
        BuildInfo info = one(c, BUILD_COLUMNS + " WHERE b.id = ?", JdbcStore::mapBuild, id);
        if (info == null) throw new SQLException("no build " + id);
        return appendEvent(c, id, new BuildEvent(0, BuildEvent.BUILD_FINISHED, null, null, null, info, 0, null));
    }

    @Override
    public List<JobRow> jobs(long buildId) {
        return reading(c -> list(c, "SELECT * FROM jobs WHERE build_id = ? ORDER BY id", rs -> {
            String result = rs.getString("result_json");
            return new JobRow(rs.getLong("id"), rs.getLong("build_id"), fromJson(rs.getString("files_json"), STRING_LIST),
                    JobStatus.of(rs.getString("status")), rs.getString("runner_id"), result == null ? null : fromJson(result, JobResult.class),
                    rs.getInt("attempt"), rs.getString("avoid_runner"));
        }, buildId));
    }

    @Override
    public void jobStarted(long jobId, String runnerId, Instant startedAt) {
        withConnection(c -> progress(c, new JobStarted(jobId, runnerId, startedAt)));
    }

    @Override
    public void jobRequeued(long jobId) {
        withConnection(c -> progress(c, new JobRequeued(jobId)));
    }

    @Override
    public void recordProgress(List<Progress> progress) {
        // Jobs' rows in the order of their ids (a stable sort: each job's own writes keep theirs), as a batch of results
        // takes them: two transactions that lock rows in one order cannot deadlock (PostgreSQL).
        List<Progress> ordered = new ArrayList<>(progress);
        ordered.sort(java.util.Comparator.comparingLong(JdbcStore::jobOf));
        inTransaction(c -> {
            for (Progress p : ordered) progress(c, p);
            return null;
        });
    }

    /** The job a write is about; runners' rows after every job's. */
    private static long jobOf(Progress progress) {
        if (progress instanceof JobStarted started) return started.jobId();
        if (progress instanceof JobRequeued requeued) return requeued.jobId();
        return Long.MAX_VALUE;
    }

    private static int progress(Connection c, Progress progress) throws SQLException {
        // Written after the fact (off the scheduler's lock): a start never over a result or a cancellation.
        if (progress instanceof JobStarted s) {
            return update(c, "UPDATE jobs SET status = 'running', runner_id = ?, started_at = ? WHERE id = ? AND status IN ('queued', 'running')",
                    s.runnerId(), s.at().toEpochMilli(), s.jobId());
        }
        if (progress instanceof JobRequeued r) {
            return update(c, "UPDATE jobs SET status = 'queued', runner_id = NULL, started_at = NULL WHERE id = ? AND status = 'running'", r.jobId());
        }
        RunnerSeen seen = (RunnerSeen) progress;
        return update(c, "UPDATE runners SET last_seen_at = ? WHERE id = ?", seen.at().toEpochMilli(), seen.runnerId());
    }

    // ---- results -------------------------------------------------------------------------------------------

    @Override
    public Recorded recordJobResult(JobReport report) {
        return inTransaction(c -> recordJobResult(c, report));
    }

    @Override
    public List<Recorded> recordJobResults(List<JobReport> reports) {
        return inTransaction(c -> {
            List<Recorded> recorded = new ArrayList<>(reports.size());
            for (JobReport report : reports) recorded.add(recordJobResult(c, report));
            return recorded;
        });
    }

    private Recorded recordJobResult(Connection c, JobReport report) throws SQLException {
        long buildId = report.buildId();
        long jobId = report.jobId();
        String project = report.history().project();
        String adapter = report.history().adapter();
        JobResult result = report.result();
        Retry retry = report.retry();
        Instant at = report.at();
        lockHistory(c, project, adapter);
        // A job has one result: one already recorded (or a job cancelled) is not written over, by this server or another.
        if (update(c, "UPDATE jobs SET status = 'done', result_json = ?, finished_at = ? WHERE id = ? AND status IN ('queued', 'running')",
                toJson(result), at.toEpochMilli(), jobId) == 0) return null;
        List<Object[]> files = new ArrayList<>();
        for (FileResult r : result.files()) files.add(new Object[]{buildId, jobId, r.path(), r.examples(), r.failures(), r.pending(), r.seconds()});
        batch(c, """
                INSERT INTO file_results (build_id, job_id, path, examples, failures, pending, seconds)
                VALUES (?, ?, ?, ?, ?, ?, ?)""", files);
        if (!result.errored() && report.attempt() == 0) {
            Map<String, Double> seconds = new HashMap<>();
            for (FileResult f : result.files()) seconds.put(f.path(), f.seconds());
            upsertRuntimes(c, project, adapter, buildId, seconds, at);
            // A warm worker's first job also paid its boot, which the instance's later jobs do not: it costs what a
            // job in a process of its own costs, and is counted with those.
            if (!result.files().isEmpty()) {
                double overhead = Math.max(0, result.seconds() - seconds.values().stream().mapToDouble(Double::doubleValue).sum());
                HistoryKey key = report.history();
                recordOverhead(c, result.bootedWorker() ? new HistoryKey(key.project(), key.adapter(), true) : key, overhead, at);
            }
        }
        Long retryJobId = null;
        if (retry != null) {
            retryJobId = insert(c, "INSERT INTO jobs (build_id, files_json, status, attempt, avoid_runner) VALUES (?, ?, 'queued', ?, ?)",
                    buildId, toJson(retry.files()), retry.attempt(), retry.avoidRunner());
            update(c, "UPDATE builds SET jobs = jobs + 1 WHERE id = ?", buildId);
        }
        BuildEvent event = appendEvent(c, buildId, new BuildEvent(0, BuildEvent.JOB_FINISHED, jobId, report.runnerName(), result, null,
                report.attempt(), report.files()));
        return new Recorded(event, retryJobId);
    }

    @Override
    public void rehearseResult(long buildId, long jobId, String project, String adapter, List<String> jobFiles) {
        withConnection(c -> {
            c.setAutoCommit(false);
            try {
                Instant now = Instant.now();
                JobResult result = new JobResult("rehearsal", 1, 0, false, "", 0, 0, "",
                        jobFiles.stream().map(path -> new FileResult(path, 1, 0, 0, 0, List.of())).toList());
                Recorded rehearsed = recordJobResult(c, new JobReport(buildId, jobId, 0, jobFiles, new HistoryKey(project, adapter, false), "rehearsal", result, null, now));
                if (rehearsed == null) return null; // its real result is in: nothing left to rehearse
                long after = rehearsed.event().seq() - 1;
                finishBuild(c, buildId, BuildStatus.PASSED, now);
                events(c, buildId, after);
                return null;
            } finally {
                try {
                    c.rollback();
                } finally {
                    c.setAutoCommit(true);
                }
            }
        });
    }

    @Override
    public void recordRuntimes(String project, String adapter, Map<String, Double> secondsByPath, Instant at) {
        withConnection(c -> {
            upsertRuntimes(c, project, adapter, null, secondsByPath, at);
            return null;
        });
    }

    /**
     * Adds a build's runtimes to each file's {@link RuntimeHistory}: a file split into parts runs in several jobs of
     * one build, and its runtime in that build is the sum of its parts'. A null build counts as a build of its own.
     */
    private static void upsertRuntimes(Connection c, String project, String adapter, Long buildId, Map<String, Double> secondsByPath,
                                       Instant at) throws SQLException {
        List<Object[]> rows = new ArrayList<>();
        try (PreparedStatement read = c.prepareStatement("""
                SELECT build_id, build_seconds, mean, spread, samples, prior_mean, prior_spread, prior_samples
                FROM runtimes WHERE project = ? AND adapter = ? AND path = ?""")) {
            for (Map.Entry<String, Double> file : secondsByPath.entrySet()) {
                read.setString(1, project);
                read.setString(2, adapter);
                read.setString(3, file.getKey());
                RuntimeHistory prior = RuntimeHistory.NONE;
                double buildSeconds = file.getValue();
                try (ResultSet rs = read.executeQuery()) {
                    if (rs.next()) {
                        long rowBuild = rs.getLong(1);
                        boolean sameBuild = !rs.wasNull() && buildId != null && rowBuild == buildId;
                        if (sameBuild) {
                            prior = new RuntimeHistory(rs.getDouble(6), rs.getDouble(7), rs.getInt(8));
                            buildSeconds += rs.getDouble(2);
                        } else {
                            prior = new RuntimeHistory(rs.getDouble(3), rs.getDouble(4), rs.getInt(5));
                        }
                    }
                }
                RuntimeHistory now = prior.with(buildSeconds);
                rows.add(new Object[]{project, adapter, file.getKey(), now.estimate(), at.toEpochMilli(), buildId, buildSeconds,
                        now.mean(), now.spread(), now.samples(), prior.mean(), prior.spread(), prior.samples()});
            }
        }
        batch(c, """
                INSERT INTO runtimes (project, adapter, path, seconds, updated_at, build_id, build_seconds,
                  mean, spread, samples, prior_mean, prior_spread, prior_samples)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (project, adapter, path) DO UPDATE SET seconds = excluded.seconds, updated_at = excluded.updated_at,
                  build_id = excluded.build_id, build_seconds = excluded.build_seconds, mean = excluded.mean,
                  spread = excluded.spread, samples = excluded.samples, prior_mean = excluded.prior_mean,
                  prior_spread = excluded.prior_spread, prior_samples = excluded.prior_samples""", rows);
    }

    /** A running mean over the first samples, then an exponential average that follows a project as it changes. */
    private static void recordOverhead(Connection c, HistoryKey key, double seconds, Instant at) throws SQLException {
        update(c, """
                        INSERT INTO job_overheads (project, adapter, process_per_job, seconds, samples, updated_at) VALUES (?, ?, ?, ?, 1, ?)
                        ON CONFLICT (project, adapter, process_per_job) DO UPDATE SET
                          seconds = job_overheads.seconds + (excluded.seconds - job_overheads.seconds)
                            / (CASE WHEN job_overheads.samples + 1 < 10 THEN job_overheads.samples + 1 ELSE 10 END),
                          samples = job_overheads.samples + 1, updated_at = excluded.updated_at""",
                key.project(), key.adapter(), key.processPerJob() ? 1 : 0, seconds, at.toEpochMilli());
    }

    @Override
    public OptionalDouble jobOverhead(HistoryKey key) {
        Double seconds = reading(c -> one(c, "SELECT seconds FROM job_overheads WHERE project = ? AND adapter = ? AND process_per_job = ?",
                rs -> rs.getDouble(1), key.project(), key.adapter(), key.processPerJob() ? 1 : 0));
        return seconds == null ? OptionalDouble.empty() : OptionalDouble.of(seconds);
    }

    @Override
    public Map<String, Double> runtimes(String project, String adapter) {
        Map<String, Double> result = new HashMap<>();
        for (Map.Entry<String, Double> runtime : reading(c -> list(c, "SELECT path, seconds FROM runtimes WHERE project = ? AND adapter = ?",
                rs -> Map.entry(rs.getString(1), rs.getDouble(2)), project, adapter))) {
            result.put(runtime.getKey(), runtime.getValue());
        }
        return result;
    }

    // ---- events --------------------------------------------------------------------------------------------

    private BuildEvent appendEvent(Connection c, long buildId, BuildEvent event) throws SQLException {
        lockBuild(c, buildId);
        long seq = one(c, "SELECT COALESCE(MAX(seq), 0) + 1 FROM build_events WHERE build_id = ?", rs -> rs.getLong(1), buildId);
        BuildEvent numbered = new BuildEvent(seq, event.kind(), event.jobId(), event.runner(), event.result(), event.build(),
                event.attempt(), event.jobFiles());
        update(c, "INSERT INTO build_events (build_id, seq, kind, job_id, payload_json) VALUES (?, ?, ?, ?, ?)",
                buildId, seq, event.kind(), event.jobId(), toJson(numbered));
        return numbered;
    }

    @Override
    public List<BuildEvent> events(long buildId, long afterSeq) {
        return reading(c -> events(c, buildId, afterSeq));
    }

    private static List<BuildEvent> events(Connection c, long buildId, long afterSeq) throws SQLException {
        return list(c, "SELECT payload_json FROM build_events WHERE build_id = ? AND seq > ? ORDER BY seq",
                rs -> fromJson(rs.getString(1), BuildEvent.class), buildId, afterSeq);
    }

    @Override
    public int deleteBuildsFinishedBefore(Instant cutoff) {
        return inTransaction(c -> {
            String old = "SELECT id FROM builds WHERE status != 'running' AND finished_at IS NOT NULL AND finished_at < ?";
            long at = cutoff.toEpochMilli();
            update(c, "DELETE FROM build_events WHERE build_id IN (" + old + ")", at);
            update(c, "DELETE FROM file_results WHERE build_id IN (" + old + ")", at);
            update(c, "DELETE FROM jobs WHERE build_id IN (" + old + ")", at);
            return update(c, "DELETE FROM builds WHERE id IN (" + old + ")", at);
        });
    }

    @Override
    public List<BuildRequest> requestsOfLastBuilds(int perProject) {
        return reading(c -> list(c, """
                SELECT request_json FROM (
                    SELECT request_json, status, ROW_NUMBER() OVER (PARTITION BY project ORDER BY id DESC) AS recent FROM builds) last_builds
                WHERE recent <= ? OR status = 'running'""", rs -> fromJson(rs.getString(1), BuildRequest.class), perProject));
    }

    @Override
    public boolean addToken(String name, String role, String sha256, Instant at) {
        return withConnection(c -> update(c, "INSERT INTO tokens (name, role, sha256, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                name, role, sha256, at.toEpochMilli()) == 1);
    }

    @Override
    public List<TokenRow> tokens() {
        return reading(c -> list(c, "SELECT name, role, created_at FROM tokens ORDER BY name", JdbcStore::mapToken));
    }

    @Override
    public boolean revokeToken(String name) {
        return withConnection(c -> update(c, "DELETE FROM tokens WHERE name = ?", name) == 1);
    }

    @Override
    public TokenRow tokenBySha256(String sha256) {
        return reading(c -> one(c, "SELECT name, role, created_at FROM tokens WHERE sha256 = ?", JdbcStore::mapToken, sha256));
    }

    private static TokenRow mapToken(ResultSet rs) throws SQLException {
        return new TokenRow(rs.getString("name"), rs.getString("role"), Instant.ofEpochMilli(rs.getLong("created_at")));
    }

    @Override
    public Map<Long, BuildStats> buildStats(List<Long> buildIds) {
        Map<Long, BuildStats> stats = new HashMap<>();
        if (buildIds.isEmpty()) return stats;
        String in = String.join(",", java.util.Collections.nCopies(buildIds.size(), "?"));
        reading(c -> {
            Map<Long, Integer> instances = new HashMap<>();
            try (PreparedStatement statement = prepare(c, "SELECT build_id, COUNT(DISTINCT " + jobInstanceSql() + ") FROM jobs"
                    + " WHERE build_id IN (" + in + ") AND result_json IS NOT NULL GROUP BY build_id", buildIds.toArray());
                 ResultSet rs = statement.executeQuery()) {
                while (rs.next()) instances.put(rs.getLong(1), rs.getInt(2));
            }
            try (PreparedStatement statement = prepare(c, "SELECT build_id, SUM(seconds), MAX(seconds) FROM file_results WHERE build_id IN (" + in + ") GROUP BY build_id",
                    buildIds.toArray());
                 ResultSet rs = statement.executeQuery()) {
                while (rs.next()) stats.put(rs.getLong(1), new BuildStats(rs.getDouble(2), rs.getDouble(3), instances.getOrDefault(rs.getLong(1), 1)));
            }
            return null;
        });
        return stats;
    }

    @Override
    public List<JobSpan> jobSpans(long buildId) {
        return reading(c -> list(c, "SELECT id, attempt, runner_id, started_at, finished_at, status, files_json, result_json FROM jobs WHERE build_id = ? ORDER BY id",
                rs -> {
                    JobResult result = rs.getString("result_json") == null ? null : fromJson(rs.getString("result_json"), JobResult.class);
                    long started = rs.getLong("started_at");
                    Instant startedAt = rs.wasNull() ? null : Instant.ofEpochMilli(started);
                    long finished = rs.getLong("finished_at");
                    Instant finishedAt = rs.wasNull() ? null : Instant.ofEpochMilli(finished);
                    return new JobSpan(rs.getLong("id"), rs.getInt("attempt"), rs.getString("runner_id"), result == null ? 0 : result.instance(),
                            startedAt, finishedAt, rs.getString("status"), result == null ? null : result.outcome(),
                            fromJson(rs.getString("files_json"), new com.fasterxml.jackson.core.type.TypeReference<List<String>>() {}));
                }, buildId));
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
