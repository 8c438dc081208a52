package io.testbot.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The PostgreSQL store, for a server whose data should live in a database built for it (backed up, replicated,
 * shared): the official JDBC driver behind a small HikariCP pool, its own Flyway migrations (db/postgresql), and
 * {@link JdbcStore}'s statements.
 */
public final class PostgresStore extends JdbcStore {
    /** Connections in the pool: the server's writes go one at a time through its scheduler anyway. */
    static final int POOL_SIZE = 7; // and one more, held by the server that dispatches

    private final HikariDataSource pool;

    /** @param url postgresql://USER:PASSWORD@HOST:PORT/DATABASE (postgres:// too), as {@link Stores} takes it */
    public PostgresStore(String url) {
        HikariConfig config = new HikariConfig();
        URI uri = URI.create(url);
        if (uri.getHost() == null || uri.getPath() == null || uri.getPath().length() < 2) {
            throw new IllegalArgumentException("a PostgreSQL store is postgresql://USER:PASSWORD@HOST:PORT/DATABASE, not " + Stores.redacted(url));
        }
        config.setJdbcUrl("jdbc:postgresql://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + uri.getPath()
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
        if (uri.getRawUserInfo() != null) {
            String[] user = uri.getRawUserInfo().split(":", 2);
            config.setUsername(URLDecoder.decode(user[0], StandardCharsets.UTF_8));
            if (user.length > 1) config.setPassword(URLDecoder.decode(user[1], StandardCharsets.UTF_8));
        }
        config.setMaximumPoolSize(POOL_SIZE);
        config.setMinimumIdle(1);
        config.setPoolName("testbot-store");
        // Fail at start, in one line, when the database cannot be reached, rather than on the first request.
        config.setInitializationFailTimeout(10_000);
        config.setConnectionTimeout(10_000);
        try {
            this.pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot open the database " + Stores.redacted(url) + ": " + rootMessage(e), e);
        }
        try {
            Flyway.configure().dataSource(pool).locations("classpath:db/postgresql").load().migrate();
        } catch (RuntimeException e) {
            pool.close();
            throw new IllegalStateException("cannot prepare the database " + Stores.redacted(url) + ": " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null && e.getCause() != e) e = e.getCause();
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }

    @Override
    <T> T withConnection(Work<T> work) {
        try (Connection c = pool.getConnection()) {
            return work.on(c);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    @Override
    <T> T reading(Work<T> work) {
        return withConnection(work);
    }

    @Override
    String jobInstanceSql() {
        return "runner_id || '#' || (result_json::json ->> 'instance')";
    }

    @Override
    void lockHistory(Connection c, String project, String adapter) throws SQLException {
        byte[] digest = io.testbot.sync.Hashing.sha256().digest(("history\0" + project + "\0" + adapter).getBytes(StandardCharsets.UTF_8));
        one(c, "SELECT pg_advisory_xact_lock(?)", rs -> null, java.nio.ByteBuffer.wrap(digest).getLong());
    }

    @Override
    void lockBuild(Connection c, long buildId) throws SQLException {
        one(c, "SELECT id FROM builds WHERE id = ? FOR UPDATE", rs -> rs.getLong(1), buildId);
    }

    /** A key of PostgreSQL's advisory locks: held by the session of the server that dispatches. */
    public static final long DISPATCH_LOCK = 0x7e57b075L;

    /** The connection whose session holds the dispatch lock, kept out of the pool; null while this server stands by. */
    private Connection dispatching;

    @Override
    public synchronized boolean claimDispatch() {
        if (dispatching != null) return true;
        Connection c = null;
        try {
            c = pool.getConnection();
            Boolean claimed = one(c, "SELECT pg_try_advisory_lock(?)", rs -> rs.getBoolean(1), DISPATCH_LOCK);
            if (Boolean.TRUE.equals(claimed)) {
                dispatching = c;
                return true;
            }
            c.close();
            return false;
        } catch (SQLException e) {
            try {
                if (c != null) c.close();
            } catch (SQLException alsoFailed) {
                e.addSuppressed(alsoFailed);
            }
            throw new StoreException(e);
        }
    }

    @Override
    public void announceDispatcher(String address) {
        withConnection(c -> update(c, """
                INSERT INTO dispatcher (id, address, since) VALUES (1, ?, ?)
                ON CONFLICT (id) DO UPDATE SET address = excluded.address, since = excluded.since""", address, System.currentTimeMillis()));
    }

    @Override
    public String dispatcherAddress() {
        return reading(c -> one(c, "SELECT address FROM dispatcher WHERE id = 1", rs -> rs.getString(1)));
    }

    @Override
    public synchronized boolean holdsDispatch() {
        try {
            return dispatching != null && dispatching.isValid(5);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public synchronized void close() {
        try {
            if (dispatching != null) dispatching.close();
        } catch (SQLException e) {
            // the session ends with the pool either way, and the lock with it
        }
        dispatching = null;
        pool.close();
    }
}
