package io.testbot.server;

import io.testbot.protocol.ApiClient;
import io.testbot.protocol.BuildEvent;
import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.EventsReply;
import io.testbot.protocol.JobAssignment;
import io.testbot.protocol.Runners;
import io.testbot.protocol.ServerApi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Local mode's server: no HTTP, its API called in process, over a real SQLite file. */
class EmbeddedServerTest {
    @TempDir
    Path dir;
    TestbotServer server;

    @AfterEach
    void tearDown() {
        if (server != null) server.close();
    }

    ServerApi api() throws Exception {
        server = TestbotServer.embedded(new ServerConfig("127.0.0.1", 0, dir, null, ServerConfig.Limits.defaults(),
                ServerConfig.Retention.none(), false));
        return server.inProcess();
    }

    static BuildRequest request(String... files) {
        return new BuildRequest("proj", "rspec", List.of(files), List.of(), null, null, 1, "me", false, 0, 0, null);
    }

    @Test
    void aResultThatAsksForTheNextJobGetsItInTheReplyWhileOneIsQueued() throws Exception {
        ServerApi api = api();
        String runner = api.register(new Runners.Registration("here", io.testbot.protocol.Version.CURRENT, 1, "/work")).runnerId();
        BuildInfo build = api.submit(request("spec/a_spec.rb", "spec/b_spec.rb"));
        JobAssignment first = api.nextJob(runner, 1, 1_000);

        Runners.ResultReply reply = api.reportResult(first.jobId(), SchedulerTest.passed(runner, first), 1);
        assertThat(reply.buildOver()).isFalse();
        JobAssignment second = reply.next();
        assertThat(second).as("the other file's job, handed out with the reply").isNotNull();
        assertThat(List.of(first.files().get(0), second.files().get(0))).containsExactlyInAnyOrder("spec/a_spec.rb", "spec/b_spec.rb");
        assertThat(api.nextJob(runner, 1, 0)).as("it is this instance's now, not queued").isNull();

        Runners.ResultReply last = api.reportResult(second.jobId(), SchedulerTest.passed(runner, second), 1);
        assertThat(last.buildOver()).isTrue();
        assertThat(last.next()).as("nothing queued").isNull();
        assertThat(api.events(build.id(), 0, 1_000).buildStatus()).isEqualTo("passed");
    }

    @Test
    void aBuildRunsThroughTheInProcessApi() throws Exception {
        ServerApi api = api();
        String runner = api.register(new Runners.Registration("here", io.testbot.protocol.Version.CURRENT, 2, "/work")).runnerId();
        BuildInfo build = api.submit(request("spec/a_spec.rb", "spec/b_spec.rb"));
        assertThat(build.jobs()).isEqualTo(2);

        List<String> ran = new ArrayList<>();
        JobAssignment first = api.nextJob(runner, 1_000);
        JobAssignment second = api.nextJob(runner, 1_000);
        assertThat(api.nextJob(runner, 0)).as("nothing left to hand out").isNull();
        assertThat(first.queueDrained()).as("another job still queued").isFalse();
        assertThat(second.queueDrained()).as("the last one queued").isTrue();
        ran.addAll(first.files());
        ran.addAll(second.files());
        assertThat(ran).containsExactlyInAnyOrder("spec/a_spec.rb", "spec/b_spec.rb");
        assertThat(api.buildFiles(build.id())).as("what a Test::Unit job loads besides its own").containsExactly("spec/a_spec.rb", "spec/b_spec.rb");
        assertThatThrownBy(() -> api.buildFiles(build.id() + 100)).isInstanceOfSatisfying(ApiClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThat(api.heartbeat(runner, new Runners.Heartbeat(List.of(first.jobId(), second.jobId())), 0).known()).isTrue();

        assertThat(api.reportResult(first.jobId(), SchedulerTest.passed(runner, first)).buildOver()).isFalse();
        assertThat(api.reportResult(second.jobId(), SchedulerTest.passed(runner, second)).buildOver()).isTrue();
        EventsReply events = api.events(build.id(), 0, 1_000);
        assertThat(events.events()).extracting(BuildEvent::kind)
                .containsExactly(BuildEvent.JOB_FINISHED, BuildEvent.JOB_FINISHED, BuildEvent.BUILD_FINISHED);
        assertThat(events.events().get(2).build().status()).isEqualTo("passed");
        assertThat(api.estimate(new io.testbot.protocol.Estimate.Request("proj", "rspec", List.of("spec/a_spec.rb"))).runtimes())
                .as("the runtimes were kept").containsKey("spec/a_spec.rb");
    }

    @Test
    void errorsCarryTheStatusesTheRoutesAnswerWith() throws Exception {
        ServerApi api = api();
        String runner = api.register(new Runners.Registration("here", io.testbot.protocol.Version.CURRENT, 1, "/work")).runnerId();
        assertThatThrownBy(() -> api.submit(request("../outside_spec.rb")))
                .isInstanceOfSatisfying(ApiClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("test file");
        assertThatThrownBy(() -> api.events(404, 0, 0))
                .isInstanceOfSatisfying(ApiClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(404))
                .hasMessage("no build 404");
        assertThatThrownBy(() -> api.nextJob("no-such-runner", 0))
                .isInstanceOfSatisfying(ApiClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(404));

        BuildInfo build = api.submit(request("spec/a_spec.rb"));
        JobAssignment job = api.nextJob(runner, 1_000);
        String other = api.register(new Runners.Registration("there", io.testbot.protocol.Version.CURRENT, 1, "/work")).runnerId();
        assertThatThrownBy(() -> api.reportResult(job.jobId(), SchedulerTest.passed(other, job)))
                .as("a result from a runner that does not hold the job")
                .isInstanceOfSatisfying(ApiClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(409))
                .hasMessageContaining("result ignored");
        assertThatThrownBy(() -> api.reportResult(job.jobId(), new io.testbot.protocol.JobResult(runner, 1, 0, false, "", 0, 0, "",
                java.util.Arrays.asList((io.testbot.protocol.FileResult) null))))
                .as("a result with a null file entry")
                .isInstanceOfSatisfying(ApiClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThat(api.reportResult(job.jobId(), SchedulerTest.passed(runner, job)).buildOver())
                .as("the job was still held, and its real result ends the build").isTrue();
        String outdated = api.register(new Runners.Registration("old", "0.0.1", 1, "/work")).runnerId();
        assertThatThrownBy(() -> api.nextJob(outdated, 0))
                .isInstanceOfSatisfying(ApiClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(409));
        assertThat(api.cancel(build.id()).status()).as("cancelling a finished build changes nothing").isEqualTo("passed");
    }

    @Test
    void numbersOutOfRangeAreRefusedAndChangeNothing() throws Exception {
        ServerApi api = api();
        assertThatThrownBy(() -> api.register(new Runners.Registration("huge", io.testbot.protocol.Version.CURRENT, Integer.MAX_VALUE, "/work")))
                .isInstanceOfSatisfying(ApiClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("instances must be between 1 and");
        assertThatThrownBy(() -> api.register(new Runners.Registration("none", io.testbot.protocol.Version.CURRENT, 0, "/work")))
                .isInstanceOfSatisfying(ApiClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThat(server.scheduler().runners()).as("nothing registered").isEmpty();
        String runner = api.register(new Runners.Registration("here", io.testbot.protocol.Version.CURRENT, 2, "/work")).runnerId();
        assertThat(server.scheduler().availableInstances()).isEqualTo(2);
        // Found by FuzzIT: a null job id went into the runner's cancellations and failed every heartbeat after it.
        assertThatThrownBy(() -> api.heartbeat(runner, new Runners.Heartbeat(java.util.Arrays.asList(null, 2L)), 0))
                .isInstanceOfSatisfying(ApiClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThat(api.heartbeat(runner, new Runners.Heartbeat(List.of()), 0).known()).isTrue();

        for (BuildRequest bad : List.of(
                new BuildRequest("proj", "rspec", List.of("spec/a_spec.rb"), List.of(), null, null, -1, "me", false, 0, 0, null),
                new BuildRequest("proj", "rspec", List.of("spec/a_spec.rb"), List.of(), null, null, 0, "me", false, -5, 0, null),
                new BuildRequest("proj", "rspec", List.of("spec/a_spec.rb"), List.of(), null, null, 0, "me", false, 0, 11, null))) {
            assertThatThrownBy(() -> api.submit(bad)).isInstanceOfSatisfying(ApiClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
                    .hasMessageContaining("must be between");
        }
        for (List<String> patterns : List.of(List.of("spec/[a_spec.rb"), List.of(""), List.of("x".repeat(1001)),
                java.util.Collections.nCopies(101, "spec/**/*_spec.rb"))) {
            BuildRequest bad = new BuildRequest("proj", "rspec", List.of("spec/a_spec.rb"), List.of(), null, null, 0, "me", false, 0, 0, null, null, patterns);
            assertThatThrownBy(() -> api.submit(bad)).isInstanceOfSatisfying(ApiClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(400))
                    .hasMessageContaining("pattern");
        }
        api.submit(new BuildRequest("proj", "rspec", List.of("spec/a_spec.rb"), List.of(), null, null, 1, "me", false, 0, 0, null, null,
                List.of("spec/**/*_spec.rb")));
        JobAssignment job = api.nextJob(runner, 1_000);
        assertThat(job.patterns()).as("the build's patterns reach its jobs").containsExactly("spec/**/*_spec.rb");
        for (double seconds : new double[]{Double.NaN, -1, Double.POSITIVE_INFINITY}) {
            io.testbot.protocol.JobResult poisoned = new io.testbot.protocol.JobResult(runner, 1, 0, false, "", 1, 0, "",
                    List.of(new io.testbot.protocol.FileResult("spec/a_spec.rb", 1, 0, 0, seconds, List.of())));
            assertThatThrownBy(() -> api.reportResult(job.jobId(), poisoned)).as("a file's seconds of %s", seconds)
                    .isInstanceOfSatisfying(ApiClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        }
        // Found by FuzzIT: a file result without a path failed in the store with a 500.
        for (io.testbot.protocol.FileResult malformed : List.of(new io.testbot.protocol.FileResult(null, 1, 0, 0, 1, List.of()),
                new io.testbot.protocol.FileResult("spec/a_spec.rb", 1, 1, 0, 1, java.util.Arrays.asList((io.testbot.protocol.FileResult.Failure) null)),
                new io.testbot.protocol.FileResult("spec/a_spec.rb", 1, 1, 0, 1, List.of(new io.testbot.protocol.FileResult.Failure(null, "x", null))),
                new io.testbot.protocol.FileResult("spec/a_spec.rb", 1, 0, 0, 1, List.of(), java.util.Map.of(), java.util.Arrays.asList((io.testbot.protocol.FileResult.TestCase) null)))) {
            io.testbot.protocol.JobResult bad = new io.testbot.protocol.JobResult(runner, 1, 0, false, "", 1, 0, "", List.of(malformed));
            assertThatThrownBy(() -> api.reportResult(job.jobId(), bad)).as("%s", malformed)
                    .isInstanceOfSatisfying(ApiClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        }
        assertThat(api.reportResult(job.jobId(), SchedulerTest.passed(runner, job)).buildOver()).as("the job was still held").isTrue();
        assertThat(api.estimate(new io.testbot.protocol.Estimate.Request("proj", "rspec", List.of("spec/a_spec.rb"))).runtimes().get("spec/a_spec.rb"))
                .as("the history holds the real result's runtime").isFinite().isNotNegative();
    }

    @Test
    void aDatabaseThatCannotBeOpenedFailsTheFirstCallWithItsOwnError() throws Exception {
        Files.createDirectories(dir.resolve("testbot.sqlite")); // a directory where the database file should be
        ServerApi api = api();
        assertThatThrownBy(() -> api.register(new Runners.Registration("here", io.testbot.protocol.Version.CURRENT, 1, "/work")))
                .isNotInstanceOf(java.util.concurrent.CompletionException.class)
                .isInstanceOf(RuntimeException.class);
    }

    @Test
    void hasNoPort() throws Exception {
        api();
        assertThatThrownBy(server::port).isInstanceOf(IllegalStateException.class);
    }
}
