package io.testbot.store;

import org.awaitility.Awaitility;

import java.time.Duration;

/** The PostgreSQL databases tests make for themselves. */
public final class TestDatabases {
    private TestDatabases() {}

    /** Runs a statement as the user that makes the tests' databases. */
    public interface Admin {
        void execute(String sql) throws Exception;
    }

    /**
     * Drops a test's database once the stores that used it are closed: a plain DROP, asked again while their sessions
     * are still closing. It ends an autovacuum worker on the database by itself, where WITH (FORCE) refuses to (the
     * tests' user may not signal it: "must be a member of the role whose process is being terminated", seen once in
     * twelve runs of a test).
     */
    public static void drop(Admin admin, String name) {
        Awaitility.await("database " + name + " dropped").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .until(() -> {
                    admin.execute("DROP DATABASE IF EXISTS " + name);
                    return true;
                });
    }
}
