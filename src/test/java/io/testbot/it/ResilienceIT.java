package io.testbot.it;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Runners and servers that die, leave or join while a build runs: every file's result counts exactly once. */
class ResilienceIT extends Cluster {
    Path pids;
    Path release;

    Path project(int passingFiles) throws IOException {
        pids = Files.createDirectories(dir.resolve("pids"));
        release = dir.resolve("release");
        return SampleProjects.blocked(SampleProjects.passing(Files.createDirectories(dir.resolve("app")), passingFiles), pids, release);
    }

    long blockedPid() throws IOException {
        return awaitBlocked(pids);
    }

    void assertEveryFileOnce(Proc requester, int files) {
        assertThat(count(requester.out(), "── job ")).as(requester.out()).isEqualTo(files);
        assertThat(requester.out()).contains(files + " examples, 0 failures");
        assertThat(count(requester.out(), "./spec/blocked_spec.rb\n")).isEqualTo(1);
    }

    @Test
    void aKilledRunnersJobRunsElsewhereAndItsProcessesDieWithIt() throws Exception {
        Path project = project(2);
        startServer();
        Proc doomed = startRunner("doomed", 1);
        Proc requester = startRequester(project, "--files-per-job", "1");
        long rspec = blockedPid();

        doomed.process.destroyForcibly(); // SIGKILL: the runner cannot clean up
        awaitGone(rspec);
        Files.writeString(release, "go");
        startRunner("rescuer", 1);

        assertThat(requester.awaitExit(BUILD)).as(requester.describe()).isZero();
        assertEveryFileOnce(requester, 3);
        assertThat(requester.out()).contains(" · rescuer #").doesNotContain(" · doomed #");
    }

    @Test
    void aRunnerStoppedWithSigtermHandsBackItsJob() throws Exception {
        Path project = project(1);
        Proc server = startServer();
        Proc leaving = startRunner("leaving", 1);
        Proc requester = startRequester(project, "--files-per-job", "1");
        long rspec = blockedPid();

        leaving.signal("TERM");
        leaving.awaitExit(START);
        awaitGone(rspec);
        server.await(Pattern.compile("runner \\S+ \\(leaving\\) left; 1 job\\(s\\) requeued"), START);
        Files.writeString(release, "go");
        startRunner("staying", 1);

        assertThat(requester.awaitExit(BUILD)).as(requester.describe()).isZero();
        assertEveryFileOnce(requester, 2);
    }

    @Test
    void aBuildSurvivesItsServerBeingKilledAndRestarted() throws Exception {
        Path project = project(3);
        int fixedPort = freePort();
        Proc server = startServerOn(fixedPort);
        startRunner("r1", 2);
        Proc requester = startRequester(project, "--files-per-job", "1");
        blockedPid();

        server.process.destroyForcibly();
        server.awaitExit(START);
        startServerOn(fixedPort);
        Files.writeString(release, "go");

        assertThat(requester.awaitExit(BUILD)).as(requester.describe()).isZero();
        assertEveryFileOnce(requester, 4);
        assertThat(requester.err()).contains("lost the server");
        for (int i = 1; i <= 3; i++) assertThat(count(requester.out(), "./spec/ok_" + i + "_spec.rb\n")).isEqualTo(1);
    }

    record TwoServers(Proc first, Proc second, Proc runner, Proc requester) {}

    /**
     * Two servers started with these options (the first dispatches, the second stands by), a runner of two instances
     * and a requester given both, and the project's build under way with its blocked spec running.
     */
    TwoServers twoServersAndABlockedBuild(Path project, String... serverOptions) throws Exception {
        Proc first = startServer(serverOptions);
        String firstUrl = url();
        Proc second = startServer(serverOptions);
        String both = firstUrl + "," + url();
        second.await(Pattern.compile("stands by to take over"), START);
        Proc runner = start("r1", dir, Map.of("TESTBOT_TOKEN", token), "runner", "--connect", both, "--instances", "2",
                "--work-dir", dir.resolve("r1").toString(), "--hostname", "r1");
        runner.await(Pattern.compile("registered with"), START);
        Proc requester = start("requester", project, Map.of("TESTBOT_TOKEN", token), "rspec", "--connect", both, "--files-per-job", "1");
        blockedPid();
        return new TwoServers(first, second, runner, requester);
    }

    /**
     * Two servers on one PostgreSQL store (and one data dir: its token and blobs): the second stands by. Runner and
     * requester are given both; the one they talk to is killed mid-build, the other takes over, and the build
     * finishes through it with every file's result once.
     */
    @Test
    void aBuildFinishesThroughTheOtherServerWhenTheOneItTalksToIsKilled() throws Exception {
        try (Postgres database = new Postgres()) {
            String blobs = dir.resolve("shared-blobs").toString();
            TwoServers servers = twoServersAndABlockedBuild(project(3), "--store", database.url(), "--blob-dir", blobs);
            Proc first = servers.first();
            Proc second = servers.second();
            Proc requester = servers.requester();

            first.process.destroyForcibly(); // SIGKILL: nothing is handed over but what is in the store
            first.awaitExit(START);
            second.await(Pattern.compile("this one dispatches now"), START);
            Files.writeString(release, "go");

            assertThat(requester.awaitExit(BUILD, first, second, servers.runner())).as(requester.describe() + "\n" + second.describe()).isZero();
            assertEveryFileOnce(requester, 4);
            for (int i = 1; i <= 3; i++) assertThat(count(requester.out(), "./spec/ok_" + i + "_spec.rb\n")).isEqualTo(1);
            try (var c = database.connect(); var st = c.createStatement();
                 var rs = st.executeQuery("SELECT status, (SELECT COUNT(*) FROM file_results) FROM builds")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("passed");
                assertThat(rs.getInt(2)).as("each file's result recorded once").isEqualTo(4);
            }
            assertThat(java.nio.file.Files.getPosixFilePermissions(Path.of(blobs))).containsExactlyInAnyOrderElementsOf(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            try (Stream<Path> uploaded = Files.walk(Path.of(blobs))) {
                assertThat(uploaded.filter(Files::isRegularFile).count()).as("the project's files, uploaded there").isPositive();
            }
            stopEverything(); // the servers let go of the database before it is dropped
        }
    }

    /**
     * Two servers on one PostgreSQL store; runner and requester know only the one that stands by. It passes their
     * requests on to the one that dispatches (served there, blobs aside, which it keeps in the shared directory), and
     * the build passes; once the dispatching one is killed, the standby takes over and the next build runs on it.
     */
    @Test
    void aStandbyPassesRequestsOnToTheServerThatDispatches() throws Exception {
        try (Postgres database = new Postgres()) {
            String[] options = {"--store", database.url(), "--blob-dir", dir.resolve("shared-blobs").toString()};
            Proc first = startServer(options);
            String firstUrl = url();
            Proc second = startServer(options);
            String standby = url();
            second.await(Pattern.compile("stands by to take over"), START);
            Awaitility.await().atMost(START).until(() -> httpStatus(standby + "/health") == 200);
            Proc runner = start("r1", dir, Map.of("TESTBOT_TOKEN", token), "runner", "--connect", standby, "--instances", "2",
                    "--work-dir", dir.resolve("r1").toString(), "--hostname", "r1");
            runner.await(Pattern.compile("registered with"), START);

            Proc requester = start("requester", project(2), Map.of("TESTBOT_TOKEN", token), "rspec", "--connect", standby, "--files-per-job", "1");
            Files.writeString(release, "go");
            assertThat(requester.awaitExit(BUILD)).as(requester.describe() + "\n" + first.describe() + "\n" + second.describe()).isZero();
            assertEveryFileOnce(requester, 3);
            assertThat(first.err() + first.out()).as("the first server planned the build").containsPattern("build 1 of \\S+ \\(rspec\\)");
            assertThat(httpStatus(firstUrl + "/health")).isEqualTo(200);
            // What the standby passes back is the dispatching server's answer as a client reads it, compressed or not.
            assertThat(body(standby + "/builds", token)).isEqualTo(body(firstUrl + "/builds", token)).contains("\"passed\"");
            assertThat(body(standby + "/metrics", token)).contains("testbot_jobs_queued"); // long enough to be compressed

            first.process.destroyForcibly();
            first.awaitExit(START);
            second.await(Pattern.compile("this one dispatches now"), START);
            Proc again = start("requester-again", project(2), Map.of("TESTBOT_TOKEN", token), "rspec", "--connect", standby, "--files-per-job", "1");
            assertThat(again.awaitExit(BUILD)).as(again.describe() + "\n" + second.describe()).isZero();
            assertEveryFileOnce(again, 3);
            stopEverything(); // the servers let go of the database before it is dropped
        }
    }

    /** The body of a GET that accepts gzip, as a browser sends it, decoded as a browser would. */
    private static String body(String url, String token) throws IOException {
        var connection = (java.net.HttpURLConnection) java.net.URI.create(url).toURL().openConnection();
        connection.setRequestProperty("Accept-Encoding", "gzip");
        connection.setRequestProperty("Authorization", "Bearer " + token);
        try (var in = connection.getInputStream()) {
            var stream = "gzip".equals(connection.getContentEncoding()) ? new java.util.zip.GZIPInputStream(in) : in;
            return new String(stream.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } finally {
            connection.disconnect();
        }
    }

    private static int httpStatus(String url) throws IOException {
        var connection = (java.net.HttpURLConnection) java.net.URI.create(url).toURL().openConnection();
        try {
            return connection.getResponseCode();
        } catch (IOException refused) {
            return -1;
        } finally {
            connection.disconnect();
        }
    }

    /**
     * The server that dispatches loses its database session (the database dropped it) while it lives: it stops
     * (exit 1, for its service manager to start it again as a standby) rather than hand out jobs beside the server
     * that takes over; the build finishes through that one.
     */
    @Test
    void aServerThatLosesItsDatabaseSessionStopsAndTheOtherTakesOver() throws Exception {
        try (Postgres database = new Postgres()) {
            TwoServers servers = twoServersAndABlockedBuild(project(2), "--store", database.url());
            Proc first = servers.first();
            Proc second = servers.second();
            Proc requester = servers.requester();

            try (var c = database.connect(); var st = c.createStatement();
                 var rs = st.executeQuery("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = "
                         + io.testbot.store.PostgresStore.DISPATCH_LOCK + " AND granted")) {
                assertThat(rs.next()).as("the first server's session holds the claim").isTrue();
            }
            assertThat(first.awaitExit(START)).as(first.describe()).isEqualTo(1);
            assertThat(first.err() + first.out()).contains("no longer holds the dispatch claim");
            second.await(Pattern.compile("this one dispatches now"), START);
            Files.writeString(release, "go");

            assertThat(requester.awaitExit(BUILD, first, second, servers.runner())).as(requester.describe()).isZero();
            assertEveryFileOnce(requester, 3);
            stopEverything(); // the servers let go of the database before it is dropped
        }
    }

    /**
     * The server a requester follows its build through answers a few of its event requests with a bare 500, as a
     * server on its way down or up may: the requester asks again and finishes the build, every file once.
     */
    @Test
    void aRequesterFollowingItsBuildRidesOutServerErrors() throws Exception {
        Path project = project(1);
        startServer();
        startRunner("r1", 1);
        try (FaultyProxy proxy = FaultyProxy.start(url(), "/events")) {
            Proc requester = start("requester", project, Map.of("TESTBOT_TOKEN", token), "rspec", "--connect", proxy.url(), "--files-per-job", "1");
            blockedPid();
            proxy.failNext(3); // the requester's event request parked now goes through; its next three fail
            Files.writeString(release, "go");

            assertThat(requester.awaitExit(BUILD)).as(requester.describe()).isZero();
            assertThat(proxy.failed()).isEqualTo(3);
            assertThat(requester.err()).contains("lost the server (HTTP 500 without a message); reconnecting");
            assertEveryFileOnce(requester, 2);
        }
    }

    @Test
    void aRunnerJoiningMidBuildTakesItsJobsAtOnce() throws Exception {
        Path project = project(2);
        startServer();
        startRunner("first", 1);
        Proc requester = startRequester(project, "--files-per-job", "1");
        blockedPid();

        startRunner("joiner", 1);
        // Both other files finish on the newcomer while the first runner is still busy.
        Awaitility.await("the joiner runs the queued jobs").atMost(BUILD).until(() -> count(requester.out(), " · joiner #") == 2);
        assertThat(requester.out()).doesNotContain("Blocked");
        Files.writeString(release, "go");
        assertThat(requester.awaitExit(BUILD)).as(requester.describe()).isZero();
        assertEveryFileOnce(requester, 3);
    }

    @Test
    void twoBuildsOfTwoProjectsRunAtOnceInSeparateCopies() throws Exception {
        Path one = SampleProjects.passing(Files.createDirectories(dir.resolve("one")), 3);
        Path two = SampleProjects.passing(Files.createDirectories(dir.resolve("two")), 5);
        startServer();
        startRunner("shared", 2);
        Proc first = startRequester(one);
        Proc second = startRequester(two);
        assertThat(first.awaitExit(BUILD)).as(first.describe()).isZero();
        assertThat(second.awaitExit(BUILD)).as(second.describe()).isZero();
        assertThat(first.out()).contains("3 examples, 0 failures");
        assertThat(second.out()).contains("5 examples, 0 failures");
        try (Stream<Path> copies = Files.list(dir.resolve("shared/projects"))) {
            assertThat(copies.map(p -> p.getFileName().toString()).toList()).hasSize(2).anyMatch(n -> n.startsWith("one-")).anyMatch(n -> n.startsWith("two-"));
        }
    }
}
