package io.testbot.it;

import io.testbot.requester.Requester;
import io.testbot.store.SqliteStore;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Server, two runners and the requester as separate processes on loopback. */
class DistributedRspecIT extends Cluster {

    @Test
    void spreadsSpecsOverTwoRunnersAndPrintsOneSummary() throws Exception {
        Path meeting = Files.createDirectories(dir.resolve("meeting"));
        Path project = SampleProjects.barrier(SampleProjects.mixed(Files.createDirectories(dir.resolve("app"))), meeting);
        startServer();
        startRunner("r1", 1);
        startRunner("r2", 1);

        Result result = requestRemote(project, "--files-per-job", "1");

        assertThat(result.exit()).as(result.all()).isEqualTo(1);
        assertThat(result.out()).contains("8 examples, 1 failure, 1 pending")
                .contains("rspec ./spec/failing_spec.rb:5 # Failing adds wrongly")
                .containsPattern("Wall time [0-9.]+ s, summed job time [0-9.]+ s, 6 job\\(s\\) on 2 runner\\(s\\)")
                .containsPattern("Ideal wall time for 2 instance\\(s\\) [0-9.]+ s; this build took [0-9.]+x the ideal");
        assertThat(result.out()).contains(" · r1 #").contains(" · r2 #");
        // Each job's output is one block: its header is followed by that job's own rspec summary.
        assertThat(result.out().split("── job ")).hasSize(7);

        Matcher where = Pattern.compile("WHERE file=(\\S+) env=\\[(\\d*)\\] instances=(\\d+) rails=(\\w+)").matcher(result.out());
        assertThat(where.find()).as(result.out()).isTrue();
        Path ranFrom = Path.of(where.group(1));
        assertThat(ranFrom.startsWith(dir.resolve("r1")) || ranFrom.startsWith(dir.resolve("r2"))).as("ran from " + ranFrom).isTrue();
        assertThat(where.group(2)).isEmpty();
        assertThat(where.group(3)).isEqualTo("1");
        assertThat(where.group(4)).isEqualTo("test");
    }

    @Test
    void aFileThatHistoryShowsToBeSlowIsSplitByExampleAndAccountedOnce() throws Exception {
        Path project = SampleProjects.passing(Files.createDirectories(dir.resolve("app")), 3);
        SampleProjects.write(project, "spec/big_spec.rb", """
                RSpec.describe "Big" do
                  8.times { |i| it("waits #{i}") { sleep 0.1 } }
                  it("fails") { expect(1).to eq(2) }
                  context "nested" do
                    it("passes") { expect(2).to eq(2) }
                  end
                end
                """);
        // History from an earlier build: the big file is far longer than anything else.
        Files.createDirectories(dir.resolve("server-data"));
        try (SqliteStore store = new SqliteStore(dir.resolve("server-data/testbot.sqlite"))) {
            store.recordRuntimes(Requester.projectKey(project), "rspec", Map.of("spec/big_spec.rb", 100.0,
                    "spec/ok_1_spec.rb", 1.0, "spec/ok_2_spec.rb", 1.0, "spec/ok_3_spec.rb", 1.0), java.time.Instant.now());
        }
        startServer();
        startRunner("r1", 1);
        startRunner("r2", 1);

        Result split = requestRemote(project);

        assertThat(split.exit()).as(split.all()).isEqualTo(1);
        assertThat(split.err()).containsPattern("split 1 slow file\\(s\\) into [2-4] parts");
        assertThat(count(split.out(), "rspec './spec/big_spec.rb[1:")).as(split.out()).isBetween(2, 4);
        assertThat(split.out()).contains("13 examples, 1 failure").contains("rspec ./spec/big_spec.rb:3 # Big fails")
                .doesNotContain("have no result").doesNotContain("more than one result");

        // The history now holds the whole file's time, summed over its parts, beside the old figure: not one part's, nor the old figure alone.
        Result estimate = requestRemote(project, "--dry-run");
        Matcher longest = Pattern.compile("the longest ([0-9.]+) s \\(spec/big_spec.rb\\)").matcher(estimate.out());
        assertThat(longest.find()).as(estimate.all()).isTrue();
        assertThat(Double.parseDouble(longest.group(1))).isBetween(0.8, 99.0);

        Result whole = requestRemote(project, "--no-split");
        assertThat(whole.err()).doesNotContain("split");
        assertThat(whole.out()).contains("13 examples, 1 failure").containsPattern("(?m)^── job .* rspec .*\\./spec/big_spec\\.rb( |$)");
    }

    @Test
    void anInstanceRunsItsJobsOfABuildInOneWarmRspecAndANewBuildInAFreshOne() throws Exception {
        Path project = Files.createDirectories(dir.resolve("app"));
        SampleProjects.write(project, ".rspec", "--require spec_helper\n");
        SampleProjects.write(project, "spec/spec_helper.rb", "$boots = ($boots || 0) + 1\n");
        for (int i = 1; i <= 3; i++) {
            SampleProjects.write(project, "spec/w" + i + "_spec.rb",
                    "RSpec.describe('W" + i + "') { it('reports') { puts \"W" + i + " pid=#{Process.pid} boots=#{$boots}\" } }\n");
        }
        startServer();
        // Idle workers end on their own after a few seconds: with ten minutes, only the end of the build ends one here.
        // Spares only: a worker booted ahead in the project's copy (FrameworksIT) would take the second build.
        Proc runner = startRunnerWith(Map.of("TESTBOT_WORKER_IDLE", "600"), "r1", 1, "--no-boot-ahead");
        // The runner boots rspec ahead, before any build: a spare that the first job then takes.
        Set<String> spare = awaitWorkers(runner, Set.of());

        Result first = requestRemote(project, "--files-per-job", "1");
        assertThat(first.exit()).as(first.all()).isZero();
        Set<String> firstPids = pids(first.out());
        assertThat(firstPids).as("three jobs, one rspec process, the spare").isEqualTo(spare);
        assertThat(first.out()).contains("boots=1").doesNotContain("boots=2");

        // The build is over: its worker ends (the server says so in reply to its last result), and the idle
        // instance boots the next spare.
        Awaitility.await("the first build's worker ends with its build").atMost(START)
                .until(() -> firstPids.stream().noneMatch(pid -> ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false)));
        Set<String> nextSpare = awaitWorkers(runner, firstPids);
        Result second = requestRemote(project, "--files-per-job", "1");
        assertThat(pids(second.out())).isEqualTo(nextSpare).doesNotContainAnyElementsOf(firstPids);
        assertThat(second.out()).contains("3 examples, 0 failures").contains("boots=1").doesNotContain("boots=2");
    }

    @Test
    void aBuildsIdleWorkersEndOnceNothingOfItIsQueuedWhileItsLastJobsStillRun() throws Exception {
        Path project = Files.createDirectories(dir.resolve("drained"));
        Path pids = Files.createDirectories(dir.resolve("drained-pids"));
        Path release = dir.resolve("drained-release");
        SampleProjects.blocked(project, pids, release);
        SampleProjects.write(project, "spec/quick_spec.rb",
                "RSpec.describe('Quick') { it('notes its worker') { File.write('" + pids + "/quick-' + Process.pid.to_s, '') } }\n");
        startServer();
        // Idle workers end on their own after a few seconds: with ten minutes, only what the runner decides ends one here.
        startRunnerWith(Map.of("TESTBOT_WORKER_IDLE", "600"), "r1", 2);
        Proc requester = startRequester(project, "--files-per-job", "1");
        long blocked = Cluster.awaitBlocked(pids);
        long quick = Awaitility.await("the quick spec ran").atMost(START).until(() -> {
            try (java.util.stream.Stream<Path> files = Files.list(pids)) {
                return files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("quick-"))
                        .map(n -> Long.parseLong(n.substring("quick-".length()))).findFirst().orElse(0L);
            }
        }, pid -> pid > 0);

        // Both jobs are out, the build is not over: the quick job's worker ends all the same, its instance now idle.
        Cluster.awaitGone(quick);
        assertThat(ProcessHandle.of(blocked).map(ProcessHandle::isAlive)).as("the last job still runs").contains(true);
        Files.writeString(release, "");
        assertThat(requester.awaitExit(BUILD)).as(requester.out() + requester.err()).isZero();
        assertThat(requester.out()).contains("2 examples, 0 failures");
    }

    /**
     * Waits for the runner to have rspec workers other than these, and returns their pids: the processes that run
     * specs, not the zygote they are forked from nor the stubs that stand for them.
     */
    static Set<String> awaitWorkers(Proc runner, Set<String> except) {
        return Awaitility.await("an rspec worker booted ahead").atMost(START).until(() -> {
            Set<String> pids = new java.util.HashSet<>();
            runner.process.descendants().filter(p -> p.info().commandLine().orElse("").contains("testbot_rspec_worker"))
                    .filter(p -> !p.info().commandLine().orElse("").contains("testbot_spare_stub") && !isZygote(p))
                    .forEach(p -> pids.add(String.valueOf(p.pid())));
            pids.removeAll(except);
            return pids;
        }, pids -> !pids.isEmpty());
    }

    /** The zygote: started with its variable, and not forked from a worker (a fork's memory shows the same variables). */
    static boolean isZygote(ProcessHandle process) {
        if (process.parent().flatMap(p -> p.info().commandLine()).orElse("").contains("testbot_rspec_worker")) return false;
        try {
            return Files.readString(Path.of("/proc/" + process.pid() + "/environ"), java.nio.charset.StandardCharsets.ISO_8859_1)
                    .contains("TESTBOT_WORKER_ZYGOTE=");
        } catch (java.io.IOException | RuntimeException gone) {
            return false;
        }
    }

    @Test
    void aColdRunnerStartsAProcessPerJob() throws Exception {
        Path project = Files.createDirectories(dir.resolve("app"));
        for (int i = 1; i <= 2; i++) {
            SampleProjects.write(project, "spec/c" + i + "_spec.rb", "RSpec.describe('C" + i + "') { it('reports') { puts \"C" + i + " pid=#{Process.pid}\" } }\n");
        }
        startServer();
        startRunner("r1", 1, "--no-warm");
        Result result = requestRemote(project, "--files-per-job", "1");
        assertThat(result.exit()).as(result.all()).isZero();
        assertThat(pids(result.out())).hasSize(2);
    }

    static byte[] zip(Map<String, String> entries) throws java.io.IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(bytes)) {
            for (Map.Entry<String, String> entry : entries.entrySet()) {
                zip.putNextEntry(new java.util.zip.ZipEntry(entry.getKey()));
                zip.write(entry.getValue().getBytes());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    static Map<String, String> unzip(byte[] body) throws java.io.IOException {
        Map<String, String> entries = new java.util.HashMap<>();
        try (java.util.zip.ZipInputStream zip = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(body))) {
            for (java.util.zip.ZipEntry entry; (entry = zip.getNextEntry()) != null; ) entries.put(entry.getName(), new String(zip.readAllBytes()));
        }
        return entries;
    }

    static Set<String> pids(String output) {
        Set<String> pids = new java.util.HashSet<>();
        Matcher m = Pattern.compile(" pid=(\\d+)").matcher(output);
        while (m.find()) pids.add(m.group(1));
        return pids;
    }

    @Test
    void beforeRunRunsOncePerRunnerBeforeItsJobsAndItsFailureFailsThem() throws Exception {
        Path project = SampleProjects.passing(Files.createDirectories(dir.resolve("app")), 4);
        SampleProjects.write(project, ".testbot.yml", "before_run: echo prepared >> before_run.log\n");
        SampleProjects.write(project, "spec/prepared_spec.rb", """
                RSpec.describe "Preparation" do
                  it("happened exactly once before me") { expect(File.readlines("before_run.log").size).to eq(1) }
                end
                """);
        startServer();
        startRunner("r1", 2);

        Result ok = requestRemote(project, "--files-per-job", "1");
        assertThat(ok.exit()).as(ok.all()).isZero();
        assertThat(ok.out()).contains("5 examples, 0 failures");
        try (Stream<Path> copies = Files.list(dir.resolve("r1/projects"))) {
            Path copy = copies.findFirst().orElseThrow();
            assertThat(Files.readAllLines(copy.resolve("before_run.log"))).containsExactly("prepared");
        }

        Result broken = requestRemote(project, "--before-run", "echo cannot migrate; exit 7");
        assertThat(broken.exit()).as(broken.all()).isEqualTo(1);
        assertThat(broken.out()).contains("cannot migrate").contains("before_run failed on r1 (exit status 7)").contains("Errored jobs");
    }

    @Test
    void aChangedFileReachesTheRunnerAndOnlyItMoves() throws Exception {
        Path project = SampleProjects.passing(Files.createDirectories(dir.resolve("app")), 3);
        SampleProjects.write(project, "spec/say_spec.rb", "RSpec.describe('Say') { it('says') { puts 'SAYS first' } }\n");
        SampleProjects.write(project, "lib/gone.rb", "# removed later\n");
        Proc server = startServer();
        startRunner("r1", 2);

        Result first = requestRemote(project);
        assertThat(first.exit()).as(first.all()).isZero();
        assertThat(first.err()).contains("uploaded 5 file(s)");
        assertThat(first.out()).contains("SAYS first");

        SampleProjects.write(project, "spec/say_spec.rb", "RSpec.describe('Say') { it('says') { puts 'SAYS second' } }\n");
        Files.delete(project.resolve("lib/gone.rb"));
        // Older than the digest cache's racy window, so that this build's digests are kept for the next.
        try (Stream<Path> files = Files.walk(project)) {
            java.nio.file.attribute.FileTime minuteAgo = java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(60));
            for (Path file : files.filter(Files::isRegularFile).toList()) Files.setLastModifiedTime(file, minuteAgo);
        }
        Path home = Files.createDirectories(dir.resolve("one-home")); // the digest cache kept from one build to the next
        Map<String, String> sameHome = Map.of("TESTBOT_TOKEN", token, "HOME", home.toString(), "XDG_CACHE_HOME", home.resolve(".cache").toString());
        Result second = request(project, sameHome, "--connect", url());
        assertThat(second.exit()).as(second.all()).isZero();
        assertThat(second.err()).contains("uploaded 1 file(s)");
        assertThat(second.out()).contains("SAYS second").doesNotContain("SAYS first");
        try (Stream<Path> copies = Files.list(dir.resolve("r1/projects"))) {
            Path copy = copies.findFirst().orElseThrow();
            assertThat(copy.resolve("lib/gone.rb")).doesNotExist();
            assertThat(copy.resolve("spec/say_spec.rb")).content().contains("SAYS second");
        }

        Result estimate = requestRemote(project, "--dry-run");
        assertThat(estimate.exit()).as(estimate.all()).isZero();
        assertThat(estimate.out()).contains("4 file(s), 4 with history on http://" + address())
                .containsPattern("expected wall time on 2 instance\\(s\\): [0-9.]+ s");
        assertThat(count(estimate.out(), "── job")).isZero();

        // This machine asks only about files new to it; a server without the others (here: its uploads elsewhere)
        // refuses the build until they come, and they all do.
        server.signal("TERM");
        server.awaitExit(START);
        startServer("--blob-dir", dir.resolve("other-blobs").toString());
        startRunner("r2", 1);
        Result third = request(project, sameHome, "--connect", url()); // the same data dir: the same token
        assertThat(third.exit()).as(third.all()).isZero();
        assertThat(third.err()).contains("uploaded 0 file(s)").containsPattern("project snapshot of (\\d+) files \\([^)]*\\): uploaded \\1 file");
        assertThat(third.out()).contains("SAYS second");
    }

    @Test
    void aWrongTokenIsRefusedInOneLine() throws Exception {
        Path project = SampleProjects.passing(Files.createDirectories(dir.resolve("app")), 1);
        startServer();

        Result requester = request(project, Map.of("TESTBOT_TOKEN", "not-the-token"), "--connect", address());
        assertThat(requester.exit()).isEqualTo(3);
        assertThat(requester.err()).contains("the server rejected the token (wrong token)");

        Proc runner = start("bad-runner", dir, Map.of("TESTBOT_TOKEN", "not-the-token"), "runner", "--connect", address(),
                "--work-dir", dir.resolve("bad").toString());
        assertThat(runner.awaitExit(START)).isEqualTo(3);
        assertThat(runner.err()).contains("the server rejected the token");
        assertThat(http("GET", "/version", null, null).statusCode()).isEqualTo(401);
        assertThat(http("GET", "/health", null, null).body()).isEqualTo("ok");
        // A token in a URL ends up in logs and histories: only the status page, which a browser opens, takes one.
        String encoded = java.net.URLEncoder.encode(token, java.nio.charset.StandardCharsets.UTF_8);
        HttpResponse<String> signedIn = http("GET", "/status?token=" + encoded, null, null);
        assertThat(signedIn.statusCode()).as("the token goes into a cookie and out of the URL").isEqualTo(303);
        assertThat(signedIn.headers().firstValue("Set-Cookie").orElse("")).contains("HttpOnly", "SameSite=Strict", "Path=/status");
        assertThat(http("GET", "/status", null, null).body()).as("a browser without a token gets the sign-in form").contains("<form method=\"post\" action=\"/status/login\"");
        assertThat(http("GET", "/status/data", null, null).statusCode()).isEqualTo(401);
        assertThat(http("GET", "/runners?token=" + encoded, null, null).statusCode()).isEqualTo(401);
        assertThat(http("POST", "/builds/1/cancel?token=" + encoded, "", null).statusCode()).isEqualTo(401);
        assertThat(http("GET", "/runners", null, token).statusCode()).isEqualTo(200);
    }

    @Test
    void buildsSeeACleanEnvironmentWithoutTheRunnersToken() throws Exception {
        Path project = dir.resolve("env-app");
        Files.createDirectories(project.resolve("spec"));
        // Every process a build starts on the runner: before_run, a spare's job and a fresh worker's.
        Files.writeString(project.resolve("spec/env_spec.rb"), """
                RSpec.describe "the environment" do
                  it "shows what it sees" do
                    File.write("#{ENV.fetch('ENV_OUT')}/spec-#{Process.pid}", ENV.keys.sort.join("\\n"))
                  end
                end
                """);
        Files.writeString(project.resolve("spec/other_spec.rb"), Files.readString(project.resolve("spec/env_spec.rb")));
        Path seen = Files.createDirectories(dir.resolve("env-seen"));
        startServer();
        startRunnerWith(Map.of("SECRET_OF_THE_RUNNER", "x", "PASSED_ON", "y", "ENV_OUT", seen.toString(), "LC_TIME", "C"), "r1", 2,
                "--pass-env", "PASSED_ON,ENV_OUT");
        Result result = requestRemote(project, "--before-run", "env | cut -d= -f1 | sort > " + seen.resolve("before-run"));
        assertThat(result.exit()).as(result.all()).isZero();
        List<Path> files;
        try (Stream<Path> listed = Files.list(seen)) {
            files = listed.toList();
        }
        assertThat(files).as("before_run and the specs").hasSizeGreaterThanOrEqualTo(2).anySatisfy(f -> assertThat(f.getFileName().toString()).isEqualTo("before-run"));
        for (Path file : files) {
            List<String> names = Files.readAllLines(file);
            assertThat(names).as(file.getFileName().toString()).contains("PATH", "HOME", "TEST_ENV_NUMBER", "PASSED_ON", "LC_TIME")
                    .doesNotContain("TESTBOT_TOKEN", "SECRET_OF_THE_RUNNER");
        }
        Result bad = requestWith("runner", dir, Map.of(), "--connect", address(), "--pass-env", "TESTBOT_TOKEN");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("testbot's own variables never reach a build");
    }

    @Test
    void metricsCountWhatHappenedInPrometheusTextFormat() throws Exception {
        Path project = SampleProjects.passing(Files.createDirectories(dir.resolve("app")), 2);
        startServer();
        startRunner("r1", 2);
        Result ran = requestRemote(project);
        assertThat(ran.exit()).as(ran.all()).isZero();
        Path failing = SampleProjects.mixed(Files.createDirectories(dir.resolve("mixed")));
        assertThat(requestRemote(failing).exit()).isEqualTo(1);

        assertThat(http("GET", "/metrics", null, null).statusCode()).as("Prometheus scrapes with the token").isEqualTo(401);
        HttpResponse<String> scraped = http("GET", "/metrics", null, token);
        assertThat(scraped.statusCode()).isEqualTo(200);
        assertThat(scraped.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
        String text = scraped.body();
        assertThat(metric(text, "testbot_builds_total{verdict=\"passed\"}")).isEqualTo(1);
        assertThat(metric(text, "testbot_builds_total{verdict=\"failed\"}")).isEqualTo(1);
        assertThat(metric(text, "testbot_builds_total{verdict=\"cancelled\"}")).isZero();
        assertThat(metric(text, "testbot_jobs_total{outcome=\"passed\"}")).isGreaterThanOrEqualTo(1);
        assertThat(metric(text, "testbot_jobs_total{outcome=\"failed\"}")).isGreaterThanOrEqualTo(1);
        assertThat(metric(text, "testbot_job_duration_seconds_count")).isEqualTo(
                metric(text, "testbot_jobs_total{outcome=\"passed\"}") + metric(text, "testbot_jobs_total{outcome=\"failed\"}")
                        + metric(text, "testbot_jobs_total{outcome=\"errored\"}"));
        assertThat(metric(text, "testbot_runners{state=\"live\"}")).isEqualTo(1);
        assertThat(metric(text, "testbot_instances")).isEqualTo(2);
        assertThat(metric(text, "testbot_instances_busy")).isZero();
        assertThat(metric(text, "testbot_jobs_queued")).isZero();
        assertThat(metric(text, "testbot_blob_uploaded_bytes_total")).isPositive();
        assertThat(metric(text, "testbot_blob_served_bytes_total")).isPositive();
        assertThat(text).contains("jvm_memory_used_bytes{", "process_uptime_seconds");
    }

    /** A sample's value in Prometheus' text format (the one line that starts with the name and labels given). */
    static double metric(String text, String series) {
        return text.lines().filter(line -> line.startsWith(series + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]))
                .findFirst().orElseThrow(() -> new AssertionError("no " + series + " in:\n" + text));
    }

    @Test
    void aServerWithACertificateServesHttpsAndClientsThatTrustItsCaUseIt() throws Exception {
        Path tls = Files.createDirectories(dir.resolve("tls"));
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", tls.resolve("key.pem").toString(), "-out", tls.resolve("cert.pem").toString(), "-days", "1", "-subj", "/CN=testbot-test",
                "-addext", "subjectAltName=IP:127.0.0.1").redirectErrorStream(true).start();
        String made = new String(openssl.getInputStream().readAllBytes());
        assertThat(openssl.waitFor()).as(made).isZero();
        String ca = tls.resolve("cert.pem").toString();
        startServer("--tls-cert", ca, "--tls-key", tls.resolve("key.pem").toString());
        assertThat(url()).startsWith("https://");

        // Plain HTTP gets no answer a client could mistake for the server's; HTTPS with the CA does.
        assertThatThrownBy(() -> http("GET", "/health", null, null)).isInstanceOf(java.io.IOException.class);
        javax.net.ssl.TrustManagerFactory trust = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        java.security.KeyStore store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        store.load(null, null);
        try (var in = Files.newInputStream(Path.of(ca))) {
            store.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        trust.init(store);
        javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        HttpResponse<String> health = HttpClient.newBuilder().sslContext(context).build()
                .send(HttpRequest.newBuilder(URI.create(url() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.body()).isEqualTo("ok");

        Path project = SampleProjects.passing(Files.createDirectories(dir.resolve("app")), 2);
        Result untrusted = request(project, Map.of("TESTBOT_TOKEN", token), "--connect", url());
        assertThat(untrusted.exit()).as(untrusted.all()).isEqualTo(3);
        assertThat(untrusted.err()).contains("cannot talk TLS with the testbot server at " + url(), "--ca FILE or TESTBOT_CA");

        startRunnerWith(Map.of("TESTBOT_CA", ca), "r1", 2);
        Result ran = request(project, Map.of("TESTBOT_TOKEN", token), "--connect", url(), "--ca", ca);
        assertThat(ran.exit()).as(ran.all()).isZero();
        assertThat(ran.out()).contains("2 examples, 0 failures");
    }

    /**
     * A server on PostgreSQL (TESTBOT_TEST_POSTGRES, a user that may create databases; .ci/run starts one): its
     * builds, tokens and runners are in that database, none in the data dir, and a build runs as on SQLite.
     */
    @Test
    void aServerOnPostgresqlKeepsItsRecordsThereAndRunsBuildsAsOnSqlite() throws Exception {
        try (Postgres database = new Postgres()) {
            String store = database.url();
            startServer("--store", store);
            String data = dir.resolve("server-data").toString();
            Proc add = start("token-ci", dir, Map.of("TESTBOT_STORE", store), "server", "token", "add", "ci", "--data-dir", data);
            assertThat(add.awaitExit(START)).as(add.describe()).isZero();
            startRunner("r1", 2);
            Path project = SampleProjects.passing(Files.createDirectories(dir.resolve("app")), 3);
            Result ran = request(project, Map.of("TESTBOT_TOKEN", add.out().strip()), "--connect", url());
            assertThat(ran.exit()).as(ran.all()).isZero();
            assertThat(ran.out()).contains("3 examples, 0 failures");
            try (Stream<Path> files = Files.list(dir.resolve("server-data"))) {
                assertThat(files.map(f -> f.getFileName().toString())).noneMatch(name -> name.startsWith("testbot.sqlite"));
            }
            try (var c = database.connect(); var st = c.createStatement();
                 var rs = st.executeQuery("SELECT status, requested_by, (SELECT COUNT(*) FROM runners), (SELECT COUNT(*) FROM tokens) FROM builds")) {
                assertThat(rs.next()).isTrue();
                assertThat(List.of(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getInt(4))).containsExactly("passed", "ci", 1, 1);
                assertThat(rs.next()).as("one build").isFalse();
            }
            stopEverything(); // the server lets go of the database before it is dropped
        }
    }

    @Test
    void namedTokensHaveRolesBuildsRecordWhoSentThemAndARevokedTokenStopsAtOnce() throws Exception {
        startServer();
        String data = dir.resolve("server-data").toString();
        Proc addAlice = start("token-alice", dir, Map.of(), "server", "token", "add", "alice", "--role", "user", "--data-dir", data);
        assertThat(addAlice.awaitExit(START)).as(addAlice.describe()).isZero();
        String alice = addAlice.out().strip();
        assertThat(alice).as("the token alone on standard output").matches("[0-9a-f]{48}");
        Proc addBob = start("token-bob", dir, Map.of(), "server", "token", "add", "bob", "--data-dir", data);
        assertThat(addBob.awaitExit(START)).isZero();
        String bob = addBob.out().strip();
        Proc addRunner = start("token-runner", dir, Map.of(), "server", "token", "add", "farm", "--role", "runner", "--data-dir", data);
        assertThat(addRunner.awaitExit(START)).isZero();
        String farm = addRunner.out().strip();
        Proc again = start("token-again", dir, Map.of(), "server", "token", "add", "alice", "--data-dir", data);
        assertThat(again.awaitExit(START)).isEqualTo(2);
        Proc badRole = start("token-bad-role", dir, Map.of(), "server", "token", "add", "eve", "--role", "root", "--data-dir", data);
        assertThat(badRole.awaitExit(START)).isEqualTo(2);
        assertThat(badRole.err()).contains("no role 'root' (admin, user or runner)");
        Proc list = start("token-list", dir, Map.of(), "server", "token", "list", "--data-dir", data);
        assertThat(list.awaitExit(START)).isZero();
        assertThat(list.out()).contains("alice", "user", "bob", "farm", "runner").doesNotContain(alice, bob, farm);

        // A runner token runs jobs, but sends no builds.
        Proc runner = start("farm-runner", dir, Map.of("TESTBOT_TOKEN", farm), "runner", "--connect", url(), "--instances", "2",
                "--work-dir", dir.resolve("farm").toString(), "--hostname", "farm");
        runner.await(Pattern.compile("registered with"), START);
        Path project = SampleProjects.passing(Files.createDirectories(dir.resolve("app")), 2);
        Result asRunner = request(project, Map.of("TESTBOT_TOKEN", farm), "--connect", url());
        assertThat(asRunner.exit()).as(asRunner.all()).isEqualTo(3);
        assertThat(asRunner.err()).contains("the runner token farm may not POST /blobs/missing");

        Result asAlice = request(project, Map.of("TESTBOT_TOKEN", alice), "--connect", url());
        assertThat(asAlice.exit()).as(asAlice.all()).isZero();
        assertThat(http("GET", "/builds", null).body()).contains("\"requestedBy\":\"alice\"");
        long build = Long.parseLong(http("GET", "/builds?limit=1", null).body().replaceAll("(?s).*?\"id\":(\\d+).*", "$1"));
        assertThat(http("POST", "/builds/" + build + "/cancel", "", bob).statusCode()).as("bob cancels alice's build").isEqualTo(403);
        assertThat(http("POST", "/builds/" + build + "/cancel", "", alice).statusCode()).isEqualTo(200);
        assertThat(http("POST", "/builds/" + build + "/cancel", "", token).statusCode()).as("the admin cancels any").isEqualTo(200);

        Proc revoke = start("token-revoke", dir, Map.of(), "server", "token", "revoke", "alice", "--data-dir", data);
        assertThat(revoke.awaitExit(START)).isZero();
        assertThat(http("GET", "/version", null, alice).statusCode()).as("revoked, the server running").isEqualTo(401);
        assertThat(http("GET", "/version", null, bob).statusCode()).isEqualTo(200);
    }

    @Test
    void anOutdatedRunnerUpdatesItselfFromTheServerAndTakesJobs() throws Exception {
        Path project = SampleProjects.passing(Files.createDirectories(dir.resolve("app")), 2);
        startServer();
        // An older testbot: this jar reporting another version, as `mvn -Drevision=0.0.0-old package` would build it.
        Path old = Files.createDirectories(dir.resolve("old")).resolve("testbot.jar");
        Files.copy(JAR, old);
        try (java.nio.file.FileSystem zip = java.nio.file.FileSystems.newFileSystem(old)) {
            Files.writeString(zip.getPath("/testbot-version.properties"), "version=0.0.0-old\n");
        }
        Proc runner = startAs(List.of(), old, "old-runner", dir, Map.of("TESTBOT_TOKEN", token), "runner", "--connect", url(),
                "--instances", "2", "--work-dir", dir.resolve("old-work").toString(), "--hostname", "oldbox");
        runner.await(Pattern.compile("this runner is version 0.0.0-old but the server is"), START);
        runner.await(Pattern.compile("updating: stopping this runner"), START);
        Awaitility.await("the updated runner serves").atMost(START).until(() -> http("GET", "/runners/total_instances", null).body().equals("2"));
        assertThat(dir.resolve("old-work/updates/testbot-" + System.getProperty("testbot.version") + ".jar")).isRegularFile();

        Result ran = requestRemote(project);
        assertThat(ran.exit()).as(ran.all()).isZero();
        assertThat(ran.out()).contains(" · oldbox #");
        assertThat(runner.process.isAlive()).as("the process the pid file names still runs, the new runner its child").isTrue();
        assertThat(runner.process.descendants().anyMatch(p -> p.info().commandLine().orElse("").contains("old-work/updates/testbot-"))).isTrue();
    }

    @Test
    void anOutdatedRunnerGetsNoJobs() throws Exception {
        Path project = SampleProjects.passing(Files.createDirectories(dir.resolve("app")), 2);
        startServer();
        startRunner("oldbox", 2, "--report-version", "0.0.1");
        Awaitility.await().atMost(START).until(() -> http("GET", "/runners/outdated", null).body().contains("oldbox"));
        // It says why it does not update itself, there and in its log.
        Awaitility.await().atMost(START).until(() -> http("GET", "/runners/outdated", null).body()
                .contains("oldbox") && http("GET", "/runners/outdated", null).body().contains("-- not updating: it reports version 0.0.1 (--report-version)"));
        assertThat(http("GET", "/runners/available_instances", null).body()).isEqualTo("0");

        // Told at once, not after a first long wait for events (20 s), and waiting no longer than it says.
        Proc waiting = startRequester(project, "--runner-timeout", "3600");
        Awaitility.await("told that no runner is there").atMost(Duration.ofSeconds(15))
                .until(() -> waiting.err().contains("no runner is connected to") && waiting.err().contains("waiting up to 3600 s"));
        waiting.signal("INT");
        assertThat(waiting.awaitExit(START)).as("interrupted").isNotZero();

        Result refused = requestRemote(project, "--runner-timeout", "2");
        assertThat(refused.exit()).as(refused.all()).isEqualTo(3);
        assertThat(refused.err()).contains("no runner took the build within 2 s");

        Result fellBack = requestRemote(project, "--runner-timeout", "2", "--local-fallback", "-n", "2");
        assertThat(fellBack.exit()).as(fellBack.all()).isZero();
        assertThat(fellBack.err()).contains("running the build on this machine instead (--local-fallback)");
        assertThat(fellBack.out()).contains("2 examples, 0 failures").contains(" · localhost #");

        startRunner("newbox", 2);
        Awaitility.await().atMost(START).until(() -> http("GET", "/runners/total_instances", null).body().equals("2"));
        Result ran = requestRemote(project);
        assertThat(ran.exit()).as(ran.all()).isZero();
        assertThat(ran.out()).contains(" · newbox #").doesNotContain(" · oldbox #");
    }

    @Test
    void bodiesPastTheLimitsAreRefusedHoweverTheyAreSent() throws Exception {
        startServer("--max-blob-size", "100000", "--max-request-size", "100000", "--max-build-size", "3000");
        // A chunked request declares no length: it is cut off at the limit all the same, not read whole into memory.
        HttpRequest chunked = HttpRequest.newBuilder(URI.create("http://" + address() + "/builds"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.SequenceInputStream(
                        new java.io.ByteArrayInputStream("{".getBytes()), new java.io.ByteArrayInputStream(new byte[400_000]) {
                            @Override
                            public synchronized int read(byte[] b, int off, int len) {
                                int n = super.read(b, off, len);
                                if (n > 0) java.util.Arrays.fill(b, off, off + n, (byte) ' ');
                                return n;
                            }
                        })))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json").build();
        HttpResponse<String> tooLong = HttpClient.newHttpClient().send(chunked, HttpResponse.BodyHandlers.ofString());
        assertThat(tooLong.statusCode()).isEqualTo(413);
        assertThat(tooLong.body()).contains("larger than 100000 bytes");

        // A zip of a few kilobytes that unpacks to more than an upload may hold (a blob's limit and a batch).
        java.io.ByteArrayOutputStream bomb = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(bomb)) {
            for (int i = 0; i < 100; i++) {
                byte[] content = new byte[95_000];
                content[0] = (byte) i;
                zip.putNextEntry(new java.util.zip.ZipEntry(io.testbot.sync.Hashing.sha256(content)));
                zip.write(content);
                zip.closeEntry();
            }
        }
        assertThat(bomb.size()).isLessThan(100_000);
        var exploded = httpBytes("POST", "/blobs/upload", bomb.toByteArray());
        assertThat(exploded.statusCode()).isEqualTo(413);
        assertThat(new String(exploded.body())).contains("larger than");
        long kept;
        try (Stream<Path> files = Files.walk(dir.resolve("server-data").resolve("blobs"))) {
            kept = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
        assertThat(kept).as("what the refused upload left").isLessThanOrEqualTo(100_000 + io.testbot.sync.BlobBatches.MAX_BATCH_BYTES);

        // A project bigger than a build may be: told so, exit 2.
        Path project = Files.createDirectories(dir.resolve("sized"));
        SampleProjects.write(project, "spec/a_spec.rb", "RSpec.describe('A') { it('runs') { } }\n");
        SampleProjects.write(project, "data/fixture.json", "x".repeat(5000));
        Result refused = requestRemote(project);
        assertThat(refused.exit()).as(refused.all()).isEqualTo(2);
        assertThat(refused.err()).contains("the project's files add up to", "--max-build-size");
        assertThat(http("GET", "/health", null, null).body()).isEqualTo("ok");
        Files.delete(project.resolve("data/fixture.json"));
        Result fits = requestRemote(project, "--runner-timeout", "1");
        assertThat(fits.err()).as("accepted, and waiting for a runner").contains("no runner is connected");
    }

    @Test
    void unsafeUploadsAreRefusedAndTheServerKeepsWorking() throws Exception {
        startServer("--max-blob-size", "1000");
        var huge = http("PUT", "/blobs/" + "0".repeat(64), "x".repeat(5000));
        assertThat(huge.statusCode()).isEqualTo(400);
        assertThat(huge.body()).contains("larger than 1000 bytes");
        assertThat(http("PUT", "/blobs/not-a-digest", "x").statusCode()).isEqualTo(400);
        String helloSha = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"; // sha256("hello")
        var badBlob = http("PUT", "/blobs/" + helloSha, "not hello");
        assertThat(badBlob.statusCode()).isEqualTo(400);
        assertThat(badBlob.body()).contains("does not match its hash");
        assertThat(http("POST", "/blobs/missing", "{\"sha256\":[\"" + helloSha + "\"]}").body()).contains(helloSha);
        assertThat(http("PUT", "/blobs/" + helloSha, "hello").statusCode()).isEqualTo(204);

        // Batches: a zip of entries named by their digests, checked entry by entry.
        assertThat(httpBytes("POST", "/blobs/upload", "not a zip".getBytes()).statusCode()).isEqualTo(400);
        String worldSha = "486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7"; // sha256("world")
        var lying = httpBytes("POST", "/blobs/upload", zip(Map.of(worldSha, "not world")));
        assertThat(lying.statusCode()).isEqualTo(400);
        assertThat(new String(lying.body())).contains(worldSha).contains("does not match its hash");
        var named = httpBytes("POST", "/blobs/upload", zip(Map.of("../../escape", "x")));
        assertThat(named.statusCode()).isEqualTo(400);
        assertThat(new String(named.body())).contains("not a SHA-256 hex digest");
        assertThat(httpBytes("POST", "/blobs/upload", zip(Map.of(worldSha, "world"))).statusCode()).isEqualTo(204);
        assertThat(http("POST", "/blobs/fetch", "{\"sha256\":[\"../x\"]}").statusCode()).isEqualTo(400);
        String many = String.join(",", java.util.Collections.nCopies(1001, "\"" + helloSha + "\""));
        assertThat(http("POST", "/blobs/fetch", "{\"sha256\":[" + many + "]}").statusCode()).isEqualTo(400);
        var fetched = httpBytes("POST", "/blobs/fetch", ("{\"sha256\":[\"" + helloSha + "\",\"" + worldSha + "\",\"" + "1".repeat(64) + "\"]}").getBytes());
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(unzip(fetched.body())).as("what the server has, and nothing else").isEqualTo(Map.of(helloSha, "hello", worldSha, "world"));
        // A requester told which of its files the server refused.
        Path project = Files.createDirectories(dir.resolve("big"));
        SampleProjects.write(project, "spec/a_spec.rb", "RSpec.describe('A') { it('runs') { } }\n");
        SampleProjects.write(project, "data/dump.sql", "x".repeat(5000));
        Result refusedUpload = requestRemote(project);
        assertThat(refusedUpload.exit()).isEqualTo(2);
        assertThat(refusedUpload.err()).contains("cannot upload data/dump.sql: blob larger than 1000 bytes (leave it out with 'ignore' in .testbot.yml)");

        for (String path : List.of("../../etc/cron.d/evil", "/etc/passwd", "spec/../../x")) {
            String build = """
                    {"project":"p","adapter":"rspec","files":["spec/a_spec.rb"],
                     "manifest":[{"path":"%s","sha256":"%s","size":5},{"path":"spec/a_spec.rb","sha256":"%s","size":5}]}
                    """.formatted(path, helloSha, helloSha);
            var refused = http("POST", "/builds", build);
            assertThat(refused.statusCode()).as(path).isEqualTo(400);
            assertThat(refused.body()).containsAnyOf("escapes the project", "absolute path");
        }
        assertThat(http("POST", "/builds", "{not json").statusCode()).isEqualTo(400);
        assertThat(http("POST", "/builds", "{\"project\":\"p\",\"adapter\":\"nope\",\"files\":[\"a\"]}").body()).contains("unknown adapter 'nope'");
        // Entries and options each framework cannot take.
        Map<String, String> refusals = Map.of(
                "{\"project\":\"p\",\"adapter\":\"rspec\",\"files\":[\"spec/a_spec.rb[1:2;rm -rf /]\"]}", "not a spec file or a list of example ids",
                "{\"project\":\"p\",\"adapter\":\"rspec\",\"files\":[\"spec/a_spec.rb\",\"spec/a_spec.rb\"]}", "listed twice",
                "{\"project\":\"p\",\"adapter\":\"cucumber\",\"files\":[\"features/a.feature:x\"]}", "not a feature file",
                "{\"project\":\"p\",\"adapter\":\"junit\",\"files\":[\"target/test-classes/A.class#a;b\"],\"options\":[\"--class-path\",\"x\"]}", "not a test class file",
                "{\"project\":\"p\",\"adapter\":\"junit\",\"files\":[\"target/test-classes/A.class\"]}", "needs --class-path",
                "{\"project\":\"p\",\"adapter\":\"run\",\"files\":[\"a.sh\"]}", "needs a command",
                "{\"project\":\"p\",\"adapter\":\"rspec\",\"files\":[\"spec/a_spec.rb\"],\"sizes\":{\"spec/a_spec.rb\":-1}}", "sizes must be numbers of bytes");
        refusals.forEach((body, message) -> {
            try {
                var refused = http("POST", "/builds", body);
                assertThat(refused.statusCode()).as(body).isEqualTo(400);
                assertThat(refused.body()).as(body).contains(message);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertThat(http("GET", "/builds", null).body()).isEqualTo("[]");

        // A build's manifest, as runners fetch it: while it runs, and once it is over.
        var accepted = http("POST", "/builds", "{\"project\":\"p\",\"adapter\":\"rspec\",\"files\":[\"spec/a_spec.rb\"],"
                + "\"manifest\":[{\"path\":\"spec/a_spec.rb\",\"sha256\":\"" + helloSha + "\",\"size\":5}]}");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(201);
        long id = io.testbot.protocol.Json.MAPPER.readTree(accepted.body()).get("id").asLong();
        String entry = "{\"path\":\"spec/a_spec.rb\",\"sha256\":\"" + helloSha + "\",\"size\":5,\"executable\":false}";
        String digest = io.testbot.sync.Manifests.digest(List.of(new io.testbot.protocol.FileEntry("spec/a_spec.rb", helloSha, 5, false)));
        String whole = "{\"digest\":\"" + digest + "\",\"base\":null,\"changed\":[" + entry + "],\"removed\":[]}";
        assertThat(http("GET", "/builds/" + id + "/manifest", null).body()).isEqualTo(whole);
        assertThat(http("POST", "/builds/" + id + "/cancel", null).statusCode()).isEqualTo(200);
        assertThat(http("GET", "/builds/" + id + "/manifest", null).body()).as("from the store once over").isEqualTo(whole);
        assertThat(http("GET", "/builds/" + id + "/manifest?base=" + "0".repeat(64), null).body()).as("from a snapshot it does not know").isEqualTo(whole);
        assertThat(http("GET", "/builds/" + (id + 1) + "/manifest", null).statusCode()).isEqualTo(404);
        // The next build of the project, one file added: to a runner whose copy is at the first, only that file.
        var next = http("POST", "/builds", "{\"project\":\"p\",\"adapter\":\"rspec\",\"files\":[\"spec/a_spec.rb\"],\"manifest\":["
                + entry + ",{\"path\":\"spec/b_spec.rb\",\"sha256\":\"" + helloSha + "\",\"size\":5}]}");
        long nextId = io.testbot.protocol.Json.MAPPER.readTree(next.body()).get("id").asLong();
        var change = io.testbot.protocol.Json.MAPPER.readValue(http("GET", "/builds/" + nextId + "/manifest?base=" + digest, null).body(),
                io.testbot.protocol.ManifestDelta.class);
        assertThat(change.base()).isEqualTo(digest);
        assertThat(change.changed()).extracting(io.testbot.protocol.FileEntry::path).containsExactly("spec/b_spec.rb");
        assertThat(change.removed()).isEmpty();
        assertThat(http("POST", "/builds/" + nextId + "/cancel", null).statusCode()).isEqualTo(200);

        startRunner("r1", 1);
        Result ok = requestRemote(SampleProjects.passing(Files.createDirectories(dir.resolve("app")), 1));
        assertThat(ok.exit()).as(ok.all()).isZero();
    }

    @Test
    void finishedBuildsSurviveAServerRestart() throws Exception {
        Path project = SampleProjects.passing(Files.createDirectories(dir.resolve("app")), 2);
        Proc server = startServer();
        startRunner("r1", 2);
        Result ran = requestRemote(project);
        assertThat(ran.exit()).as(ran.all()).isZero();

        server.signal("TERM");
        server.awaitExit(START);
        startServer();
        var builds = http("GET", "/builds", null);
        assertThat(builds.body()).contains("\"id\":1").contains("\"status\":\"passed\"");
        // SQLite's native library is unpacked once into the data dir, not into /tmp on every start.
        try (Stream<Path> natives = Files.walk(serverData.resolve("native"))) {
            assertThat(natives.filter(p -> p.getFileName().toString().equals("libsqlitejdbc.so"))).hasSize(1);
        }
    }

    @Test
    void ctrlCOnTheRequesterStopsEveryRemoteProcessOfTheBuild() throws Exception {
        Path pids = Files.createDirectories(dir.resolve("pids"));
        Path project = SampleProjects.longRunning(Files.createDirectories(dir.resolve("app")), pids, 2);
        startServer();
        startRunner("r1", 1);
        startRunner("r2", 1);
        Proc requester = start("requester", project, Map.of("TESTBOT_TOKEN", token), "rspec", "--connect", address(), "--files-per-job", "1");
        Awaitility.await().atMost(START).until(() -> Files.exists(pids.resolve("long_1.pid")) && Files.exists(pids.resolve("long_2.pid")));
        List<Long> rspecPids = List.of(Long.parseLong(Files.readString(pids.resolve("long_1.pid"))), Long.parseLong(Files.readString(pids.resolve("long_2.pid"))));

        requester.signal("INT");
        requester.awaitExit(START);
        assertThat(requester.err()).contains("cancelled");
        Awaitility.await("rspec processes stop").atMost(Duration.ofSeconds(15))
                .until(() -> rspecPids.stream().noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
        assertThat(http("GET", "/builds/1", null).body()).contains("\"status\":\"cancelled\"");
    }
}
