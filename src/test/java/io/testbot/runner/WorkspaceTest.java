package io.testbot.runner;

import io.testbot.protocol.Api;
import io.testbot.protocol.ApiClient;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.FileEntry;
import io.testbot.server.ServerConfig;
import io.testbot.server.TestbotServer;
import io.testbot.sync.BlobBatches;
import io.testbot.sync.HashCache;
import io.testbot.sync.ProjectScanner;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A runner's project copies: synced from a real server on loopback, checked while idle, swept when old. */
class WorkspaceTest {
    @TempDir
    Path work;
    @TempDir
    Path serverDir;
    @TempDir
    Path project;
    TestbotServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    ApiClient startServer() throws Exception {
        server = TestbotServer.start(new ServerConfig("127.0.0.1", 0, serverDir, "secret", ServerConfig.Limits.defaults(),
                ServerConfig.Retention.none(), true));
        return new ApiClient("http://127.0.0.1:" + server.port(), "secret");
    }

    /** Uploads the project's files as they are now and submits a build of its spec; returns the build's id. */
    long submit(ApiClient api) throws Exception {
        List<FileEntry> manifest = new ProjectScanner(List.of(), HashCache.none()).scan(project);
        Map<String, Path> files = new HashMap<>();
        manifest.forEach(entry -> files.put(entry.sha256(), project.resolve(entry.path())));
        api.postStreaming(Api.BLOBS_UPLOAD, "application/zip", out -> BlobBatches.write(out, List.copyOf(files.keySet()), files::get));
        return api.submit(new BuildRequest("app", "rspec", List.of("spec/a_spec.rb"), List.of(), null, manifest, 1, "me", false, 0, 0, null)).id();
    }

    @Test
    void anIdleCopyCheckedSinceItsLastJobTakesTheNextSnapshotAsAChangeAndWritesOnlyThat() throws Exception {
        ApiClient api = startServer();
        Files.createDirectories(project.resolve("spec"));
        Files.createDirectories(project.resolve("lib"));
        Files.writeString(project.resolve("spec/a_spec.rb"), "spec");
        for (int i = 0; i < 50; i++) Files.writeString(project.resolve("lib/f" + i + ".rb"), "v1 " + i);
        Workspace workspace = new Workspace(work);

        Workspace.Copy copy = workspace.acquire(api, "app", submit(api));
        assertThat(copy.lastSync.asChange()).as("a new copy gets the manifest whole").isFalse();
        assertThat(copy.lastSync.stats().written()).isEqualTo(51);
        workspace.release(copy);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Workspace.checked(copy));

        Files.writeString(project.resolve("lib/f7.rb"), "v2");
        Files.delete(project.resolve("lib/f8.rb"));
        Files.writeString(project.resolve("lib/new.rb"), "new");
        Workspace.Copy again = workspace.acquire(api, "app", submit(api));
        assertThat(again).isSameAs(copy);
        assertThat(copy.lastSync.asChange()).isTrue();
        assertThat(copy.lastSync.stats().written()).isEqualTo(2);
        assertThat(copy.lastSync.stats().deleted()).isEqualTo(1);
        assertThat(copy.dir().resolve("lib/f7.rb")).hasContent("v2");
        assertThat(copy.dir().resolve("lib/new.rb")).hasContent("new");
        assertThat(copy.dir().resolve("lib/f8.rb")).doesNotExist();
        assertThat(copy.dir().resolve("lib/f9.rb")).hasContent("v1 9");
        workspace.release(copy);
    }

    @Test
    void aFileAJobChangedIsFoundByTheIdleCheckAndPutBackByTheNextSync() throws Exception {
        ApiClient api = startServer();
        Files.createDirectories(project.resolve("spec"));
        Files.writeString(project.resolve("spec/a_spec.rb"), "spec");
        Files.writeString(project.resolve("spec/fixture.txt"), "as shipped");
        Workspace workspace = new Workspace(work);

        Workspace.Copy copy = workspace.acquire(api, "app", submit(api));
        Path fixture = copy.dir().resolve("spec/fixture.txt");
        java.nio.file.attribute.FileTime written = Files.getLastModifiedTime(fixture);
        Files.writeString(fixture, "as a test left it"); // while the job holds the copy
        Files.setLastModifiedTime(fixture, java.nio.file.attribute.FileTime.from(written.toInstant().plusSeconds(1)));
        workspace.release(copy);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> copy.checks > 0);
        assertThat(Workspace.checked(copy)).isFalse();

        workspace.acquire(api, "app", submit(api));
        assertThat(copy.lastSync.asChange()).as("the same snapshot, as a change of nothing").isTrue();
        assertThat(copy.lastSync.stats().written()).isEqualTo(1);
        assertThat(fixture).hasContent("as shipped");
        workspace.release(copy);
    }

    @Test
    void copiesNoBuildUsedSinceTheCutoffGoWithoutFollowingLinks() throws Exception {
        Workspace workspace = new Workspace(work);
        Instant now = Instant.now();
        Path old = Files.createDirectories(work.resolve("projects/old-app/spec"));
        Files.writeString(old.resolve("a_spec.rb"), "x");
        Path outside = Files.createDirectories(work.resolve("outside"));
        Files.writeString(outside.resolve("precious"), "kept");
        Files.createSymbolicLink(old.resolve("link"), outside);
        Files.createDirectories(work.resolve("state"));
        Files.writeString(work.resolve("state/old-app.json"), "[]");
        Files.writeString(work.resolve("state/old-app.used"), "");
        Files.setLastModifiedTime(work.resolve("state/old-app.used"), FileTime.from(now.minus(Duration.ofDays(20))));
        Path recent = Files.createDirectories(work.resolve("projects/recent-app"));
        Files.writeString(work.resolve("state/recent-app.used"), "");
        Path cachedOld = Files.createDirectories(work.resolve("blobs/ab")).resolve("ab" + "0".repeat(62));
        Files.writeString(cachedOld, "fetched long ago");
        Files.setLastModifiedTime(cachedOld, FileTime.from(now.minus(Duration.ofDays(20))));
        Path cachedNew = work.resolve("blobs/ab").resolve("ab" + "1".repeat(62));
        Files.writeString(cachedNew, "fetched today");

        assertThat(workspace.sweep(now.minus(Duration.ofDays(14)))).isEqualTo(1);
        assertThat(work.resolve("projects/old-app")).doesNotExist();
        assertThat(work.resolve("state/old-app.json")).doesNotExist();
        assertThat(outside.resolve("precious")).as("the link went, not what it led to").hasContent("kept");
        assertThat(recent).isDirectory();
        assertThat(cachedOld).doesNotExist();
        assertThat(cachedNew).exists();
    }
}
