package io.testbot.runner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** A runner's housekeeping of its project copies and blob cache. */
class WorkspaceTest {
    @TempDir
    Path work;

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
