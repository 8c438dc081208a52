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
    void scratchDirectoriesKeepTheirPlaceholdersAsACheckoutDoesAndNothingElse(@TempDir Path root) throws Exception {
        for (String path : List.of("tmp/.gitkeep", "tmp/file_1", "tmp/cache/.keep", "log/.keep", "log/test.log", "spec/tmp/.gitkeep",
                "spec/tmp/out.txt", "node_modules/.keep", "spec/a_spec.rb")) {
            Files.createDirectories(root.resolve(path).getParent());
            Files.writeString(root.resolve(path), path.endsWith("keep") ? "" : path);
        }
        Files.createDirectories(root.resolve("tmp/.keep")); // a directory by that name is not a placeholder
        List<FileEntry> manifest = new ProjectScanner(List.of(), HashCache.none()).scan(root);
        assertThat(manifest).extracting(FileEntry::path).containsExactly("log/.keep", "spec/a_spec.rb", "spec/tmp/.gitkeep", "tmp/.gitkeep");
    }

    @Test
    void aScratchDirectoryThatIsALinkSendsNothingOfWhereItLeads(@TempDir Path root, @TempDir Path shared) throws Exception {
        Files.writeString(shared.resolve(".keep"), "outside the project");
        Files.createSymbolicLink(root.resolve("log"), shared);
        Files.writeString(root.resolve("a_spec.rb"), "a");
        assertThat(new ProjectScanner(List.of(), HashCache.none()).scan(root)).extracting(FileEntry::path).containsExactly("a_spec.rb");
    }

    @Test
    void aFileIsExecutableWhenAnyoneMayExecuteIt(@TempDir Path root) throws Exception {
        for (String name : List.of("bin/owner", "bin/others", "bin/plain")) {
            Files.createDirectories(root.resolve(name).getParent());
            Files.writeString(root.resolve(name), "#!/bin/sh\n");
        }
        Files.setPosixFilePermissions(root.resolve("bin/owner"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr--r--"));
        Files.setPosixFilePermissions(root.resolve("bin/others"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r-x"));
        Files.setPosixFilePermissions(root.resolve("bin/plain"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        List<FileEntry> manifest = new ProjectScanner(List.of(), HashCache.none()).scan(root);
        assertThat(manifest).extracting(FileEntry::path, FileEntry::executable).containsExactly(
                org.assertj.core.groups.Tuple.tuple("bin/others", true), org.assertj.core.groups.Tuple.tuple("bin/owner", true),
                org.assertj.core.groups.Tuple.tuple("bin/plain", false));
    }

    @Test
    void shipsLinksInsideTheProjectAsWhatTheyLeadToAndLeavesOutTheRest(@TempDir Path root, @TempDir Path elsewhere) throws Exception {
        Files.writeString(elsewhere.resolve("secret"), "s");
        Files.createDirectories(elsewhere.resolve("dir"));
        Files.writeString(elsewhere.resolve("dir/also_secret"), "s");
        Files.createDirectories(root.resolve("shared/support"));
        Files.writeString(root.resolve("shared/support/helper.rb"), "h");
        Files.writeString(root.resolve("real.rb"), "r");
        Files.createDirectories(root.resolve("spec"));
        Files.createSymbolicLink(root.resolve("spec/support"), Path.of("../shared/support"));
        Files.createSymbolicLink(root.resolve("spec/spec_helper.rb"), Path.of("../real.rb"));
        Files.createSymbolicLink(root.resolve("secret_link"), elsewhere.resolve("secret"));
        Files.createSymbolicLink(root.resolve("outside_dir"), elsewhere.resolve("dir"));
        Files.createSymbolicLink(root.resolve("spec/everything"), Path.of(".."));
        Files.createSymbolicLink(root.resolve("dangling"), Path.of("nothing_here"));
        Files.createDirectories(root.resolve("node_modules/big"));
        Files.writeString(root.resolve("node_modules/big/index.js"), "b");
        Files.createSymbolicLink(root.resolve("spec/vendor"), Path.of("../node_modules/big"));

        ProjectScanner scanner = new ProjectScanner(List.of(), HashCache.none());
        List<FileEntry> manifest = scanner.scan(root);
        assertThat(manifest).extracting(FileEntry::path)
                .containsExactly("real.rb", "shared/support/helper.rb", "spec/spec_helper.rb", "spec/support/helper.rb");
        assertThat(manifest.get(2).sha256()).isEqualTo(Hashing.sha256("r".getBytes()));
        assertThat(scanner.skippedLinks()).containsExactlyInAnyOrder(
                "secret_link -> " + elsewhere.resolve("secret") + " (outside the project)",
                "outside_dir -> " + elsewhere.resolve("dir") + " (outside the project)",
                "spec/everything -> .. (a directory that contains the link)",
                "dangling -> nothing_here (leads to nothing)",
                "spec/vendor -> ../node_modules/big (an ignored path)");
    }

    @Test
    void linksThatLeadToEachOtherEnd(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("a"));
        Files.createDirectories(root.resolve("b"));
        Files.writeString(root.resolve("a/x.rb"), "x");
        Files.writeString(root.resolve("b/y.rb"), "y");
        Files.createSymbolicLink(root.resolve("a/to_b"), Path.of("../b"));
        Files.createSymbolicLink(root.resolve("b/to_a"), Path.of("../a"));
        assertThat(new ProjectScanner(List.of(), HashCache.none()).scan(root)).extracting(FileEntry::path)
                .contains("a/x.rb", "b/y.rb", "a/to_b/y.rb", "b/to_a/x.rb").hasSizeLessThan(10);
    }

    @Test
    void scansAProjectReachedThroughALink(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("project/spec"));
        Files.writeString(dir.resolve("project/spec/a_spec.rb"), "a");
        Path link = Files.createSymbolicLink(dir.resolve("checkout"), dir.resolve("project"));
        assertThat(new ProjectScanner(List.of(), HashCache.none()).scan(link)).extracting(FileEntry::path).containsExactly("spec/a_spec.rb");
    }

    @Test
    void hashCacheReusesOldDigestsButSeesAFileRewrittenWithTheSameSize(@TempDir Path root, @TempDir Path cacheDir) throws Exception {
        Files.writeString(root.resolve("old.rb"), "old");
        Files.setLastModifiedTime(root.resolve("old.rb"), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        HashCache warm = HashCache.load(cacheDir.resolve("h.digests"));
        new ProjectScanner(List.of(), warm).scan(root);
        warm.save();
        assertThat(cacheDir.resolve("h.digests")).content().contains(Hashing.sha256("old".getBytes()));
        Files.delete(root.resolve("old.rb"));

        Files.writeString(root.resolve("a.rb"), "one");
        HashCache cache = HashCache.load(cacheDir.resolve("h.digests"));
        String first = new ProjectScanner(List.of(), cache).scan(root).get(0).sha256();
        cache.save();
        Files.writeString(root.resolve("a.rb"), "two");
        String second = new ProjectScanner(List.of(), HashCache.load(cacheDir.resolve("h.digests"))).scan(root).get(0).sha256();
        assertThat(second).isNotEqualTo(first).isEqualTo(Hashing.sha256("two".getBytes()));
    }
}
