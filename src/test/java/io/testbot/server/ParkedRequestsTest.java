package io.testbot.server;

import io.testbot.protocol.Api;
import io.testbot.protocol.ApiClient;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.JobAssignment;
import io.testbot.protocol.Json;
import io.testbot.protocol.Runners;
import io.testbot.protocol.Version;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests that wait hold no thread: more instances waiting for jobs than the server has HTTP threads (200) leave
 * it answering, and a build's jobs go to them as soon as it is submitted. With a thread per waiting request (as
 * before) the 300 parked requests took every thread and /health waited for one of them to time out.
 */
class ParkedRequestsTest {
    static final int WAITING = 300;

    @TempDir
    Path dir;
    TestbotServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    @Test
    void moreWaitingInstancesThanThreadsLeaveTheServerAnsweringAndAllGetJobs() throws Exception {
        server = TestbotServer.start(new ServerConfig("127.0.0.1", 0, dir, "secret", ServerConfig.Limits.defaults(),
                ServerConfig.Retention.none(), true));
        String base = "http://127.0.0.1:" + server.port();
        ApiClient api = new ApiClient(base, "secret");
        String runner = api.register(new Runners.Registration("many", Version.CURRENT, WAITING, "/w")).runnerId();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        for (int instance = 1; instance <= WAITING; instance++) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + Api.path(Api.RUNNER_NEXT_JOB, runner) + "?instance=" + instance + "&wait=30000"))
                    .header(Api.TOKEN_HEADER, "Bearer secret").POST(HttpRequest.BodyPublishers.ofString("{}")).build();
            waiting.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        // Every one of them parked (the runner's instances are all waiting), none answered.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> waitingAtServer() == WAITING);
        assertThat(waiting).noneMatch(CompletableFuture::isDone);
        assertThat(ManagementFactory.getThreadMXBean().getThreadCount()).as("threads while %d requests wait", WAITING).isLessThan(WAITING);

        HttpRequest health = HttpRequest.newBuilder(URI.create(base + Api.HEALTH)).timeout(Duration.ofSeconds(20)).build();
        assertThat(http.send(health, HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("ok");

        List<String> files = new ArrayList<>();
        for (int i = 0; i < WAITING; i++) files.add("spec/f" + i + "_spec.rb");
        api.submit(new BuildRequest("many", "rspec", files, List.of(), null, null, 1, "me", false, 0, 0, null));

        Set<String> handedOut = new HashSet<>();
        for (CompletableFuture<HttpResponse<String>> reply : waiting) {
            HttpResponse<String> response = reply.get();
            assertThat(response.statusCode()).isEqualTo(200);
            handedOut.addAll(Json.MAPPER.readValue(response.body(), JobAssignment.class).files());
        }
        assertThat(handedOut).as("each waiting instance got a job of its own").hasSize(WAITING).containsAll(files);
    }

    /** How many job requests the server holds parked now. */
    private int waitingAtServer() {
        return server.scheduler().parkedJobRequests();
    }
}
