package io.testbot.sync;

import io.testbot.protocol.FileEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ProjectScannerTest {
    @Test
    void skipsDefaultAndConfiguredIgnoresAndHashesTheRest(@TempDir Path root) throws Exception {
        for (String path : List.of("spec/a_spec.rb", ".git/HEAD", "log/test.log", "tmp/cache/x", "node_modules/m/index.js",
                "coverage/index.html", "lib/x.rb", "lib/debug.log", "vendor/big/data.bin")) {
            Files.createDirectories(root.resolve(path).getParent());
            Files.writeString(root.resolve(path), path);
        }
        List<FileEntry> manifest = new ProjectScanner(List.of("coverage", "*.log", "vendor/big/"), HashCache.none()).scan(root);
        assertThat(manifest).extracting(FileEntry::path).containsExactly("lib/x.rb", "spec/a_spec.rb");
        assertThat(manifest.get(0).sha256()).isEqualTo(Hashing.sha256("lib/x.rb".getBytes()));
    }

    @Test
    void doesNotFollowSymbolicLinks(@TempDir Path root, @TempDir Path elsewhere) throws Exception {
        Files.writeString(elsewhere.resolve("secret"), "s");
        Files.createSymbolicLink(root.resolve("link"), elsewhere.resolve("secret"));
        Files.writeString(root.resolve("real.rb"), "r");
        assertThat(new ProjectScanner(List.of(), HashCache.none()).scan(root)).extracting(FileEntry::path).containsExactly("real.rb");
    }

    @Test
    void hashCacheReusesOldDigestsButSeesAFileRewrittenWithTheSameSize(@TempDir Path root, @TempDir Path cacheDir) throws Exception {
        Files.writeString(root.resolve("old.rb"), "old");
        Files.setLastModifiedTime(root.resolve("old.rb"), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        HashCache warm = HashCache.load(cacheDir.resolve("h.json"));
        new ProjectScanner(List.of(), warm).scan(root);
        warm.save();
        assertThat(cacheDir.resolve("h.json")).content().contains(Hashing.sha256("old".getBytes()));
        Files.delete(root.resolve("old.rb"));

        Files.writeString(root.resolve("a.rb"), "one");
        HashCache cache = HashCache.load(cacheDir.resolve("h.json"));
        String first = new ProjectScanner(List.of(), cache).scan(root).get(0).sha256();
        cache.save();
        Files.writeString(root.resolve("a.rb"), "two");
        String second = new ProjectScanner(List.of(), HashCache.load(cacheDir.resolve("h.json"))).scan(root).get(0).sha256();
        assertThat(second).isNotEqualTo(first).isEqualTo(Hashing.sha256("two".getBytes()));
    }
}
