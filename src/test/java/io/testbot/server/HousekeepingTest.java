package io.testbot.server;

import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.BuildStatus;
import io.testbot.protocol.FileEntry;
import io.testbot.store.SqliteStore;
import io.testbot.sync.BlobStore;
import io.testbot.sync.Hashing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import static org.assertj.core.api.Assertions.assertThat;

/** The server's retention, over a real SQLite file and blob directory, at a fixed time. */
class HousekeepingTest {
    @TempDir
    Path dir;

    static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

    String blob(BlobStore blobs, String content, Duration age) throws Exception {
        byte[] bytes = content.getBytes();
        String sha = Hashing.sha256(bytes);
        blobs.put(sha, new ByteArrayInputStream(bytes), Long.MAX_VALUE);
        Files.setLastModifiedTime(blobs.path(sha), FileTime.from(NOW.minus(age)));
        return sha;
    }

    static BuildRequest build(String project, String... shas) {
        List<FileEntry> manifest = java.util.Arrays.stream(shas).map(sha -> new FileEntry("f-" + sha.substring(0, 8), sha, 1, false)).toList();
        return new BuildRequest(project, "rspec", List.of("spec/a_spec.rb"), List.of(), null, manifest, 0, "me", false, 0, 0, null);
    }

    @Test
    void deletesOldBuildsAndTheFilesNoRecentBuildUses() throws Exception {
        try (SqliteStore store = new SqliteStore(dir.resolve("db.sqlite"))) {
            BlobStore blobs = BlobStore.owned(dir.resolve("blobs"));
            String old = blob(blobs, "only the first build's", Duration.ofDays(40));
            String shared = blob(blobs, "every build's", Duration.ofDays(40));
            String running = blob(blobs, "the running build's", Duration.ofDays(40));
            String fresh = blob(blobs, "uploaded a minute ago, its build not yet submitted", Duration.ofMinutes(1));
            String otherProject = blob(blobs, "another project's", Duration.ofDays(40));
            Files.writeString(dir.resolve("blobs/incoming-killed"), "half an upload");
            Files.setLastModifiedTime(dir.resolve("blobs/incoming-killed"), FileTime.from(NOW.minus(Duration.ofDays(2))));

            long first = store.createBuild(build("app", old, shared), List.of(List.of("spec/a_spec.rb")), NOW.minus(Duration.ofDays(40)));
            store.finishBuild(first, BuildStatus.PASSED, NOW.minus(Duration.ofDays(40)));
            for (int i = 0; i < 2; i++) {
                long later = store.createBuild(build("app", shared), List.of(List.of("spec/a_spec.rb")), NOW.minus(Duration.ofDays(1)));
                store.finishBuild(later, BuildStatus.PASSED, NOW.minus(Duration.ofDays(1)));
            }
            long stillRunning = store.createBuild(build("app", running), List.of(List.of("spec/a_spec.rb")), NOW.minus(Duration.ofDays(40)));
            long elsewhere = store.createBuild(build("lib", otherProject), List.of(List.of("spec/a_spec.rb")), NOW.minus(Duration.ofDays(20)));
            store.finishBuild(elsewhere, BuildStatus.FAILED, NOW.minus(Duration.ofDays(20)));

            Housekeeping housekeeping = new Housekeeping(store, blobs, new ServerConfig.Retention(30, 2),
                    Clock.fixed(NOW, ZoneOffset.UTC), new ReentrantLock(), swept -> {});
            Housekeeping.Swept swept = housekeeping.sweep();

            assertThat(swept.builds()).as("the build finished 40 days ago").isEqualTo(1);
            assertThat(store.build(first)).isNull();
            assertThat(store.events(first, 0)).isEmpty();
            assertThat(store.build(stillRunning)).as("running, however old").isNotNull();
            assertThat(store.build(elsewhere)).isNotNull();
            assertThat(blobs.has(old)).as("listed by no project's last two builds").isFalse();
            assertThat(blobs.has(shared)).isTrue();
            assertThat(blobs.has(running)).isTrue();
            assertThat(blobs.has(fresh)).as("younger than an hour").isTrue();
            assertThat(blobs.has(otherProject)).as("its project's last build lists it").isTrue();
            assertThat(dir.resolve("blobs/incoming-killed")).doesNotExist();
            assertThat(swept.blobs()).isEqualTo(1);
            assertThat(store.runtimes("app", "rspec")).as("history is not a build's to take along").isNotNull();

            assertThat(housekeeping.sweep()).as("nothing more to do").isEqualTo(new Housekeeping.Swept(0, 0, 0));
        }
    }

    @Test
    void zeroKeepsEverything() throws Exception {
        try (SqliteStore store = new SqliteStore(dir.resolve("db.sqlite"))) {
            BlobStore blobs = BlobStore.owned(dir.resolve("blobs"));
            String old = blob(blobs, "old", Duration.ofDays(400));
            long build = store.createBuild(build("app"), List.of(List.of("spec/a_spec.rb")), NOW.minus(Duration.ofDays(400)));
            store.finishBuild(build, BuildStatus.PASSED, NOW.minus(Duration.ofDays(400)));
            new Housekeeping(store, blobs, new ServerConfig.Retention(0, 0), Clock.fixed(NOW, ZoneOffset.UTC), new ReentrantLock(), swept -> {}).sweep();
            assertThat(store.build(build)).isNotNull();
            assertThat(blobs.has(old)).isTrue();
        }
    }
}
