package io.testbot.runner;

import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.ServerApi;
import io.testbot.protocol.Version;
import io.testbot.server.ServerConfig;
import io.testbot.server.TestbotServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
                ServerConfig.Limits.defaults(), ServerConfig.Retention.none(), false));
        Path work = dir.resolve("runner");
        // A runner that outlives its builds (it replenishes), with no spare booted ahead: its job boots its own worker.
        Spares spares = new Spares(work, 1, "rspec", true, PassedVariables.everything());
        CompletableFuture<Integer> sparesAtFirstWait = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicBoolean reported = new java.util.concurrent.atomic.AtomicBoolean();
        ServerApi api = server.inProcess();
        // The server's API, watched: the first time the instance would wait for work once its job is reported, how
        // many spares are on their way.
        ServerApi watched = (ServerApi) java.lang.reflect.Proxy.newProxyInstance(ServerApi.class.getClassLoader(), new Class<?>[]{ServerApi.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("nextJob") && reported.get() && (long) args[args.length - 1] > 0) {
                        sparesAtFirstWait.complete(spares.started() + spares.pending());
                    }
                    try {
                        return method.invoke(api, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    } finally {
                        if (method.getName().equals("reportResult")) reported.set(true);
                    }
                });
        Runner runner = new Runner(new RunnerConfig(null, null, 1, work, "localhost", Version.CURRENT, project, true, PassedVariables.everything(), null, false, null, 0), spares, watched);
        try {
            runner.start();
            BuildInfo build = api.submit(new BuildRequest("proj", "rspec", List.of("spec/a_spec.rb"), List.of(), null,
                    null, 0, "me", false, 0, 0, null));
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(sparesAtFirstWait::isDone);
            assertThat(api.events(build.id(), 0, 0).events()).as("the build ran").isNotEmpty();
            assertThat(sparesAtFirstWait.get()).as("the next build's spare was asked for at once, not after idling").isEqualTo(1);
        } finally {
            runner.close(false);
            server.close();
        }
    }

    @Test
    void aJobCancelledBeforeItsProcessStartsRunsNothingAndIsNoLongerListedInTheHeartbeats(@TempDir Path dir) throws Exception {
        Path project = Files.createDirectories(dir.resolve("project/spec")).getParent();
        Path ran = dir.resolve("ran");
        Files.writeString(project.resolve("spec/a_spec.rb"), "RSpec.describe('A') { it('runs') { File.write('" + ran + "', '') } }\n");
        Path started = dir.resolve("before-run-started");
        Path release = dir.resolve("release");
        TestbotServer server = TestbotServer.embedded(new ServerConfig("127.0.0.1", 0, dir.resolve("data"), null,
                ServerConfig.Limits.defaults(), ServerConfig.Retention.none(), false));
        Path work = dir.resolve("runner");
        ServerApi api = server.inProcess();
        // The server's API, watched: what each heartbeat says the runner holds.
        List<List<Long>> heartbeats = new java.util.concurrent.CopyOnWriteArrayList<>();
        ServerApi watched = (ServerApi) java.lang.reflect.Proxy.newProxyInstance(ServerApi.class.getClassLoader(), new Class<?>[]{ServerApi.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("heartbeat")) heartbeats.add(((io.testbot.protocol.Runners.Heartbeat) args[1]).running());
                    try {
                        return method.invoke(api, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Runner runner = new Runner(new RunnerConfig(null, null, 1, work, "localhost", Version.CURRENT, project, true, PassedVariables.everything(), null, false, null, 0),
                new Spares(work, 1, null, false, PassedVariables.everything()), watched);
        try {
            runner.start();
            // The job's before_run holds it before its process starts, until the test lets it go.
            BuildInfo build = api.submit(new BuildRequest("proj", "rspec", List.of("spec/a_spec.rb"), List.of(),
                    "touch '" + started + "'; while [ ! -f '" + release + "' ]; do sleep 0.05; done", null, 0, "me", false, 0, 0, null));
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(started) && heartbeats.stream().anyMatch(held -> !held.isEmpty()));
            long jobId = heartbeats.stream().flatMap(List::stream).findFirst().orElseThrow();
            api.cancel(build.id());
            // Told to stop, the runner no longer lists the job, though its run is not over (its before_run still runs).
            int told = heartbeats.size();
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> heartbeats.size() > told + 1 && !heartbeats.get(heartbeats.size() - 1).contains(jobId));
            Files.writeString(release, "");
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> runner.idle().compareTo(Duration.ZERO) > 0);
            assertThat(ran).as("the job's spec never ran").doesNotExist();
        } finally {
            runner.close(false);
            server.close();
        }
    }
}
