package io.testbot.it;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A database of its own on the PostgreSQL server that TESTBOT_TEST_POSTGRES names (a user that may create
 * databases; .ci/run starts one). Without it the test is skipped, except in CI, where that is a failure.
 */
final class Postgres implements AutoCloseable {
    private final URI server;
    private final String name;

    Postgres() throws Exception {
        String url = System.getenv("TESTBOT_TEST_POSTGRES");
        if (System.getenv("CI") != null && url == null) throw new IllegalStateException("CI: TESTBOT_TEST_POSTGRES is not set; .ci/run starts PostgreSQL and sets it");
        assumeTrue(url != null, "TESTBOT_TEST_POSTGRES not set: no PostgreSQL server to test against");
        server = URI.create(url);
        name = "testbot_it_" + ProcessHandle.current().pid() + "_" + System.nanoTime();
        execute("CREATE DATABASE " + name);
    }

    /** The store URL of this database, as testbot server --store takes it. */
    String url() {
        return server.toString().replaceFirst("/[^/?]*$", "/" + name);
    }

    /** A connection to this database. */
    Connection connect() throws Exception {
        String[] user = server.getUserInfo().split(":", 2);
        return DriverManager.getConnection("jdbc:postgresql://" + server.getHost() + ":" + server.getPort() + "/" + name, user[0], user[1]);
    }

    private void execute(String sql) throws Exception {
        String[] user = server.getUserInfo().split(":", 2);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + server.getHost() + ":" + server.getPort() + server.getPath(), user[0], user[1]);
             Statement statement = c.createStatement()) {
            statement.execute(sql);
        }
    }

    /** Drops the database; the servers that used it must be stopped first. */
    @Override
    public void close() {
        io.testbot.store.TestDatabases.drop(this::execute, name);
    }
}
