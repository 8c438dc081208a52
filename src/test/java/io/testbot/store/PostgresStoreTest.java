package io.testbot.store;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The store contract on a real PostgreSQL server: TESTBOT_TEST_POSTGRES names one whose user may create databases
 * (postgresql://testbot:testbot@127.0.0.1:5432/postgres, as .ci/run sets up); each test gets a database of its own.
 * In CI a missing server is a failure, never a skip.
 */
class PostgresStoreTest extends StoreContractTest {
    static final String SERVER = System.getenv("TESTBOT_TEST_POSTGRES");
    private static String database;

    @BeforeAll
    static void requireServer() {
        if (System.getenv("CI") != null && SERVER == null) throw new IllegalStateException("CI: TESTBOT_TEST_POSTGRES is not set; .ci/run starts PostgreSQL and sets it");
        assumeTrue(SERVER != null, "TESTBOT_TEST_POSTGRES not set: no PostgreSQL server to test against");
    }

    /** The server's URL with another database name. */
    static String withDatabase(String name) {
        return SERVER.replaceFirst("/[^/?]*$", "/" + name);
    }

    static void admin(String sql) throws Exception {
        java.net.URI uri = java.net.URI.create(SERVER);
        String[] user = uri.getUserInfo().split(":", 2);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + uri.getHost() + ":" + uri.getPort() + uri.getPath(), user[0], user[1]);
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Override
    Store open() {
        try {
            if (database == null) {
                database = "testbot_test_" + UUID.randomUUID().toString().replace("-", "");
                admin("CREATE DATABASE " + database);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Stores.open(withDatabase(database));
    }

    @Override
    @org.junit.jupiter.api.AfterEach
    void closeStore() {
        super.closeStore();
        // The next test starts on an empty database; reopen() within a test keeps this one.
        TestDatabases.drop(PostgresStoreTest::admin, database);
        database = null;
    }

    @AfterAll
    static void dropLeftOver() throws Exception {
        if (database != null) TestDatabases.drop(PostgresStoreTest::admin, database);
    }

    @Test
    void aServerThatCannotBeReachedSaysSoInOneLineWithoutThePassword() {
        assertThatThrownBy(() -> Stores.open("postgresql://testbot:hunter2@127.0.0.1:1/none"))
                .hasMessageStartingWith("cannot open the database postgresql://testbot:***@127.0.0.1:1/none: ")
                .hasMessageNotContaining("hunter2")
                .hasMessageNotContaining("\n");
    }

    @Test
    void theDispatchingServersAddressIsTheLastAnnouncedAndSharedWithEveryServerOfTheStore() {
        assertThat(store.dispatcherAddress()).isNull();
        store.announceDispatcher("http://a.internal:7331");
        store.announceDispatcher("http://b.internal:7331"); // the one that took over
        try (Store other = open()) {
            assertThat(other.dispatcherAddress()).isEqualTo("http://b.internal:7331");
        }
    }

    @Test
    void eachTestHasADatabaseOfItsOwn() {
        assertThat(store.recentBuilds(10)).isEmpty();
    }
}
