package io.testbot.runner;

import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.Estimate;
import io.testbot.protocol.EventsReply;
import io.testbot.protocol.JobAssignment;
import io.testbot.protocol.JobResult;
import io.testbot.protocol.Runners;
import io.testbot.protocol.ServerApi;
import io.testbot.protocol.Version;
import io.testbot.server.ServerConfig;
import io.testbot.server.TestbotServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** A runner with a real rspec and an embedded server over a real SQLite file, called in process. */
class RunnerTest {
    @Test
    void anInstanceThatFindsNothingQueuedAfterItsJobBootsItsSpareBeforeWaiting(@TempDir Path dir) throws Exception {
        Path project = Files.createDirectories(dir.resolve("project/spec")).getParent();
        Files.writeString(project.resolve("spec/a_spec.rb"), "RSpec.describe('A') { it('runs') { } }\n");
        TestbotServer server = TestbotServer.embedded(new ServerConfig("127.0.0.1", 0, dir.resolve("data"), null,
                ServerConfig.DEFAULT_MAX_BLOB_BYTES, ServerConfig.DEFAULT_MAX_REQUEST_BYTES, false));
        Path work = dir.resolve("runner");
        // A runner that outlives its builds (it replenishes), with no spare booted ahead: its job boots its own worker.
        Spares spares = new Spares(work, 1, "rspec", true);
        CompletableFuture<Integer> sparesAtFirstWait = new CompletableFuture<>();
        ServerApi watched = new Delegating(server.inProcess()) {
            volatile boolean reported;

            @Override
            public JobAssignment nextJob(String runnerId, long waitMillis) throws IOException, InterruptedException {
                // The first time the instance would wait for work once its job is over: how many spares are on their way.
                if (reported && waitMillis > 0) sparesAtFirstWait.complete(spares.started() + spares.pending());
                return super.nextJob(runnerId, waitMillis);
            }

            @Override
            public Runners.ResultReply reportResult(long jobId, JobResult result) throws IOException, InterruptedException {
                Runners.ResultReply reply = super.reportResult(jobId, result);
                reported = true;
                return reply;
            }
        };
        Runner runner = new Runner(new RunnerConfig(null, null, 1, work, "localhost", Version.CURRENT, project, true), spares, watched);
        try {
            runner.start();
            BuildInfo build = server.inProcess().submit(new BuildRequest("proj", "rspec", List.of("spec/a_spec.rb"), List.of(), null,
                    null, 0, "me", false, 0, 0, null));
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(sparesAtFirstWait::isDone);
            assertThat(server.inProcess().events(build.id(), 0, 0).events()).as("the build ran").isNotEmpty();
            assertThat(sparesAtFirstWait.get()).as("the next build's spare was asked for at once, not after idling").isEqualTo(1);
        } finally {
            runner.close(false);
            server.close();
        }
    }

    /** A server API that passes every call on, for tests to watch some of them. */
    static class Delegating implements ServerApi {
        final ServerApi to;

        Delegating(ServerApi to) {
            this.to = to;
        }

        @Override
        public String describe() {
            return to.describe();
        }

        @Override
        public Runners.Registered register(Runners.Registration registration) throws IOException, InterruptedException {
            return to.register(registration);
        }

        @Override
        public Runners.HeartbeatReply heartbeat(String runnerId, Runners.Heartbeat heartbeat, long waitMillis) throws IOException, InterruptedException {
            return to.heartbeat(runnerId, heartbeat, waitMillis);
        }

        @Override
        public JobAssignment nextJob(String runnerId, long waitMillis) throws IOException, InterruptedException {
            return to.nextJob(runnerId, waitMillis);
        }

        @Override
        public Runners.ResultReply reportResult(long jobId, JobResult result) throws IOException, InterruptedException {
            return to.reportResult(jobId, result);
        }

        @Override
        public void leave(String runnerId) throws IOException, InterruptedException {
            to.leave(runnerId);
        }

        @Override
        public BuildInfo submit(BuildRequest request) throws IOException, InterruptedException {
            return to.submit(request);
        }

        @Override
        public EventsReply events(long buildId, long after, long waitMillis) throws IOException, InterruptedException {
            return to.events(buildId, after, waitMillis);
        }

        @Override
        public BuildInfo cancel(long buildId) throws IOException, InterruptedException {
            return to.cancel(buildId);
        }

        @Override
        public Estimate.Reply estimate(Estimate.Request request) throws IOException, InterruptedException {
            return to.estimate(request);
        }
    }
}
