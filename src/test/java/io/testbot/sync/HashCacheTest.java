package io.testbot.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

import static org.assertj.core.api.Assertions.assertThat;

class HashCacheTest {
    /** Writes a file last modified a minute ago: old enough to be cached. */
    private static Path old(Path dir, String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        return file;
    }

    private static BasicFileAttributes attrs(Path file) throws Exception {
        return Files.readAttributes(file, BasicFileAttributes.class);
    }

    /** Digests the files through a cache kept in cacheFile, saves it, and returns the digests. */
    private static java.util.List<String> digestAndSave(Path cacheFile, Path... files) throws Exception {
        HashCache cache = HashCache.load(cacheFile);
        java.util.List<String> digests = new java.util.ArrayList<>();
        for (Path file : files) digests.add(cache.sha256(file, attrs(file)));
        cache.save();
        return digests;
    }

    @Test
    void aSavedDigestIsReadBackWithoutReadingTheFileAndADamagedLineCostsOnlyItsOwnFile(@TempDir Path root, @TempDir Path cacheDir) throws Exception {
        Path spaced = old(root, "a name\twith a tab.rb", "one");
        Path plain = old(root, "b.rb", "two");
        Path cacheFile = cacheDir.resolve("project.digests");
        digestAndSave(cacheFile, spaced, plain);
        Files.writeString(cacheFile, Files.readString(cacheFile) + "not a line of digests\n\t\t\t\n");

        // New content of the same size and time: only a digest from the cache still names the old one.
        for (Path file : new Path[]{spaced, plain}) {
            FileTime time = Files.getLastModifiedTime(file);
            Files.writeString(file, "new");
            Files.setLastModifiedTime(file, time);
        }
        HashCache again = HashCache.load(cacheFile);
        assertThat(again.sha256(spaced, attrs(spaced))).isEqualTo(Hashing.sha256("one".getBytes()));
        assertThat(again.sha256(plain, attrs(plain))).isEqualTo(Hashing.sha256("two".getBytes()));
    }

    @Test
    void aPathWithALineBreakIsHashedEachTimeAndLeavesTheRestIntact(@TempDir Path root, @TempDir Path cacheDir) throws Exception {
        Path broken = old(root, "line\nbreak.rb", "three");
        Path plain = old(root, "c.rb", "four");
        Path cacheFile = cacheDir.resolve("project.digests");
        assertThat(digestAndSave(cacheFile, broken, plain).get(0)).isEqualTo(Hashing.sha256("three".getBytes()));
        assertThat(Files.readAllLines(cacheFile)).singleElement().asString().endsWith("c.rb");
    }
}
