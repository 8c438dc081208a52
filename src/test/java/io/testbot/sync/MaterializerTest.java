package io.testbot.sync;

import io.testbot.protocol.FileEntry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MaterializerTest {
    @TempDir
    Path dir;
    BlobStore cache;
    Map<String, byte[]> remote = new HashMap<>();
    List<String> fetched = java.util.Collections.synchronizedList(new ArrayList<>());
    Materializer materializer;

    @BeforeEach
    void setUp() throws Exception {
        cache = new BlobStore(dir.resolve("cache"));
        materializer = new Materializer(cache);
    }

    FileEntry file(String path, String content, boolean executable) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        String sha = Hashing.sha256(bytes);
        remote.put(sha, bytes);
        return new FileEntry(path, sha, bytes.length, executable);
    }

    Materializer.Stats materialize(List<FileEntry> manifest) throws Exception {
        return materializer.materialize(dir.resolve("tree"), dir.resolve("state.json"), manifest, shas -> {
            for (String sha : shas) {
                fetched.add(sha);
                cache.put(sha, new ByteArrayInputStream(remote.get(sha)), Long.MAX_VALUE);
            }
        });
    }

    @Test
    void writesTheTreeFetchingEachBlobOnce() throws Exception {
        Materializer.Stats stats = materialize(List.of(file("spec/a_spec.rb", "same", false), file("spec/b_spec.rb", "same", false),
                file("bin/run", "#!/bin/sh\n", true)));
        assertThat(stats.written()).isEqualTo(3);
        assertThat(fetched).hasSize(2);
        assertThat(dir.resolve("tree/spec/a_spec.rb")).hasContent("same");
        assertThat(Files.isExecutable(dir.resolve("tree/bin/run"))).isTrue();
    }

    @Test
    void aSecondRunTouchesOnlyWhatChangedAndDeletesWhatIsGone() throws Exception {
        materialize(List.of(file("a.rb", "one", false), file("b.rb", "two", false), file("gone.rb", "bye", false)));
        fetched.clear();
        Materializer.Stats stats = materialize(List.of(file("a.rb", "one", false), file("b.rb", "two, changed", false)));
        assertThat(stats.written()).isEqualTo(1);
        assertThat(stats.deleted()).isEqualTo(1);
        assertThat(fetched).hasSize(1);
        assertThat(dir.resolve("tree/b.rb")).hasContent("two, changed");
        assertThat(dir.resolve("tree/gone.rb")).doesNotExist();
    }

    @Test
    void aRunThatChangesNothingLeavesItsStateAsItWas() throws Exception {
        List<FileEntry> manifest = List.of(file("a.rb", "one", false), file("spec/b.rb", "two", false));
        materialize(manifest);
        Path state = dir.resolve("state.json");
        String before = Files.readString(state);
        java.nio.file.attribute.FileTime longAgo = java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(state, longAgo);

        assertThat(materialize(manifest).written()).isZero();
        assertThat(Files.getLastModifiedTime(state)).as("not written again").isEqualTo(longAgo);
        assertThat(materialize(List.of(manifest.get(0))).deleted()).isEqualTo(1);
        assertThat(Files.readString(state)).as("a file gone: written").isNotEqualTo(before).doesNotContain("spec/b.rb");
        assertThat(materialize(manifest).written()).as("it came back").isEqualTo(1);
        assertThat(Files.readString(state)).contains("spec/b.rb");
    }

    @Test
    void restoresAFileChangedInTheTreeSinceTheLastRun() throws Exception {
        materialize(List.of(file("a.rb", "original", false)));
        Files.writeString(dir.resolve("tree/a.rb"), "tampered with, longer");
        materialize(List.of(file("a.rb", "original", false)));
        assertThat(dir.resolve("tree/a.rb")).hasContent("original");
    }

    @Test
    void aBlobABuildRewroteInTheCacheIsFetchedAgainNotWritten() throws Exception {
        FileEntry helper = file("spec/spec_helper.rb", "puts 'the project'", false);
        materialize(List.of(helper));
        // A job of another build overwrote the cached blob (same size even), then a project with that file arrives.
        Files.writeString(cache.path(helper.sha256()), "puts 'the attack'");
        fetched.clear();
        Materializer.Stats stats = materializer.materialize(dir.resolve("other-tree"), dir.resolve("other-state.json"), List.of(helper), shas -> {
            for (String sha : shas) {
                fetched.add(sha);
                cache.put(sha, new ByteArrayInputStream(remote.get(sha)), Long.MAX_VALUE);
            }
        });
        assertThat(dir.resolve("other-tree/spec/spec_helper.rb")).hasContent("puts 'the project'");
        assertThat(fetched).as("the spoilt blob was fetched again").containsExactly(helper.sha256());
        assertThat(stats.fetched()).isEqualTo(1);
        assertThat(cache.path(helper.sha256())).hasContent("puts 'the project'");

        // A blob replaced by a link to a file of the job's is not followed either.
        Path elsewhere = Files.writeString(dir.resolve("elsewhere.rb"), "puts 'the attack'");
        Files.delete(cache.path(helper.sha256()));
        Files.createSymbolicLink(cache.path(helper.sha256()), elsewhere);
        fetched.clear();
        materializer.materialize(dir.resolve("third-tree"), dir.resolve("third-state.json"), List.of(helper), shas -> {
            for (String sha : shas) {
                fetched.add(sha);
                cache.put(sha, new ByteArrayInputStream(remote.get(sha)), Long.MAX_VALUE);
            }
        });
        assertThat(dir.resolve("third-tree/spec/spec_helper.rb")).hasContent("puts 'the project'");
        assertThat(fetched).containsExactly(helper.sha256());
    }

    @Test
    void restoresAFileAJobRewroteWithTheSameSize() throws Exception {
        materialize(List.of(file("spec/snapshot.txt", "original", false), file("spec/kept.rb", "kept", false)));
        // A job rewrote a tracked file (an updated snapshot, say) and kept its length: the next build gets the requester's.
        Path snapshot = dir.resolve("tree/spec/snapshot.txt");
        java.nio.file.attribute.FileTime written = Files.getLastModifiedTime(snapshot);
        Files.writeString(snapshot, "ORIGINAL");
        // Later than the sync, as any job is (file systems keep coarse times: a write this soon could share the tick).
        Files.setLastModifiedTime(snapshot, java.nio.file.attribute.FileTime.from(written.toInstant().plusSeconds(1)));
        Materializer.Stats stats = materialize(List.of(file("spec/snapshot.txt", "original", false), file("spec/kept.rb", "kept", false)));
        assertThat(dir.resolve("tree/spec/snapshot.txt")).hasContent("original");
        assertThat(stats.written()).as("only the file rewritten since").isEqualTo(1);
        assertThat(materialize(List.of(file("spec/snapshot.txt", "original", false), file("spec/kept.rb", "kept", false))).written()).isZero();
    }

    @Test
    void aTreeCheckedAheadFindsWhatAJobChangedAndASyncToldItIsAsWrittenLooksOnlyAtTheManifest() throws Exception {
        List<FileEntry> manifest = List.of(file("spec/a_spec.rb", "a", false), file("lib/b.rb", "b", false), file("lib/deep/c.rb", "c", false));
        materialize(manifest);
        Path tree = dir.resolve("tree");
        Path state = dir.resolve("state.json");
        assertThat(materializer.asWritten(tree, state)).isTrue();

        Path b = tree.resolve("lib/b.rb");
        java.nio.file.attribute.FileTime written = Files.getLastModifiedTime(b);
        Files.writeString(b, "B");
        Files.setLastModifiedTime(b, java.nio.file.attribute.FileTime.from(written.toInstant().plusSeconds(1)));
        assertThat(materializer.asWritten(tree, state)).as("a file rewritten").isFalse();
        materialize(manifest);
        assertThat(materializer.asWritten(tree, state)).isTrue();

        Files.delete(tree.resolve("lib/deep/c.rb"));
        assertThat(materializer.asWritten(tree, state)).as("a file deleted").isFalse();
        materialize(manifest);
        java.nio.file.attribute.FileTime cWritten = Files.getLastModifiedTime(tree.resolve("lib/deep/c.rb"));
        deleteTree(tree.resolve("lib/deep"));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("c.rb"), "c");
        Files.setLastModifiedTime(elsewhere.resolve("c.rb"), cWritten); // the same size and time, through a link
        Files.createSymbolicLink(tree.resolve("lib/deep"), elsewhere);
        assertThat(materializer.asWritten(tree, state)).as("a directory made a link").isFalse();
        materialize(manifest);
        assertThat(materializer.asWritten(tree, state)).isTrue();

        // Told the tree is as written, a sync writes what the manifest changed and looks at nothing else.
        Files.writeString(tree.resolve("spec/a_spec.rb"), "unseen");
        List<FileEntry> next = List.of(file("spec/a_spec.rb", "a", false), file("lib/b.rb", "b2", false), file("lib/deep/c.rb", "c", false));
        Materializer.Stats stats = materializer.materialize(tree, state, next, shas -> {
            for (String sha : shas) cache.put(sha, new ByteArrayInputStream(remote.get(sha)), Long.MAX_VALUE);
        }, true);
        assertThat(stats.written()).isEqualTo(1);
        assertThat(tree.resolve("lib/b.rb")).hasContent("b2");
        assertThat(tree.resolve("spec/a_spec.rb")).as("what the caller vouched for is not looked at").hasContent("unseen");
    }

    @Test
    void aFileStillAsItWasWrittenNeedsNoBlobAndTheStateIsReadOnceForLaterRuns() throws Exception {
        List<FileEntry> manifest = List.of(file("lib/a.rb", "a", false), file("lib/b.rb", "b", false));
        materialize(manifest);
        // The runner's cache lost a blob (cleaned up, say): an unchanged file does not need it.
        Files.delete(cache.path(manifest.get(0).sha256()));
        fetched.clear();
        assertThat(materialize(manifest)).isEqualTo(new Materializer.Stats(0, 0, 0));
        assertThat(fetched).isEmpty();

        // A damaged state file (not one this materializer wrote) is read again: every file is rewritten.
        Files.writeString(dir.resolve("state.json"), "not json");
        assertThat(materialize(manifest).written()).isEqualTo(2);
        assertThat(fetched).containsExactly(manifest.get(0).sha256());
        assertThat(dir.resolve("tree/lib/a.rb")).hasContent("a");
    }

    @Test
    void refusesTraversalBeforeWritingAnything() {
        assertThatThrownBy(() -> materialize(List.of(file("ok.rb", "x", false), file("../escape.rb", "x", false))))
                .isInstanceOf(ManifestPaths.UnsafePathException.class);
        assertThat(dir.resolve("escape.rb")).doesNotExist();
        assertThat(dir.resolve("tree/ok.rb")).doesNotExist();
    }

    @Test
    void neverWritesThroughASymbolicLinkButPutsTheDirectoryBack() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.createDirectories(dir.resolve("tree"));
        Files.createSymbolicLink(dir.resolve("tree/linked"), outside);
        materialize(List.of(file("linked/evil.rb", "x", false)));
        assertThat(outside.resolve("evil.rb")).doesNotExist();
        assertThat(dir.resolve("tree/linked")).isDirectory().isNotEqualTo(outside);
        assertThat(Files.isSymbolicLink(dir.resolve("tree/linked"))).isFalse();
        assertThat(dir.resolve("tree/linked/evil.rb")).hasContent("x");
    }

    @Test
    void aDirectoryAJobReplacedWithALinkIsRepairedNotFollowed() throws Exception {
        List<FileEntry> manifest = List.of(file("spec/a_spec.rb", "real a", false), file("spec/old_spec.rb", "old", false), file("lib/x.rb", "x", false));
        materialize(manifest);
        // A job swaps spec/ for a link to a directory of its own, with files of the same sizes and times.
        Path forged = Files.createDirectories(dir.resolve("forged"));
        for (String name : new String[]{"a_spec.rb", "old_spec.rb"}) {
            Path real = dir.resolve("tree/spec/" + name);
            Path fake = Files.writeString(forged.resolve(name), "X".repeat((int) Files.size(real)));
            Files.setLastModifiedTime(fake, Files.getLastModifiedTime(real));
        }
        deleteTree(dir.resolve("tree/spec"));
        Files.createSymbolicLink(dir.resolve("tree/spec"), forged);

        // The next build (without old_spec.rb) gets its own files, and nothing in the forged directory is touched.
        Materializer.Stats stats = materialize(List.of(manifest.get(0), manifest.get(2)));
        assertThat(Files.isSymbolicLink(dir.resolve("tree/spec"))).isFalse();
        assertThat(dir.resolve("tree/spec/a_spec.rb")).hasContent("real a");
        assertThat(dir.resolve("tree/spec/old_spec.rb")).doesNotExist();
        assertThat(forged.resolve("old_spec.rb")).as("not deleted through the link").exists();
        assertThat(stats.written()).isEqualTo(1);
        // The project's whole root made a link: put back too.
        deleteTree(dir.resolve("tree"));
        Files.createSymbolicLink(dir.resolve("tree"), forged);
        materialize(List.of(manifest.get(0), manifest.get(2)));
        assertThat(Files.isSymbolicLink(dir.resolve("tree"))).isFalse();
        assertThat(dir.resolve("tree/lib/x.rb")).hasContent("x");
        assertThat(forged.resolve("lib")).doesNotExist();
    }

    static void deleteTree(Path root) throws java.io.IOException {
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(path);
        }
    }

    @Test
    void fetchesBatchesSeveralAtOnceAndReportsAFailedOneAfterTheRest() throws Exception {
        List<FileEntry> manifest = new ArrayList<>();
        for (int i = 0; i < 6; i++) manifest.add(file("spec/f" + i + "_spec.rb", "content " + i, false));
        String broken = manifest.get(3).sha256();
        Materializer inPairs = new Materializer(cache, 2, Long.MAX_VALUE);
        List<List<String>> batches = java.util.Collections.synchronizedList(new ArrayList<>());
        // Two fetches must be in flight together to get past the barrier: one at a time would time out.
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
        java.util.concurrent.atomic.AtomicInteger arrivals = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean metAnother = new java.util.concurrent.atomic.AtomicBoolean();
        assertThatThrownBy(() -> inPairs.materialize(dir.resolve("tree"), dir.resolve("state.json"), manifest, shas -> {
            batches.add(shas);
            if (arrivals.incrementAndGet() <= 2) {
                try {
                    together.await(30, java.util.concurrent.TimeUnit.SECONDS);
                    metAnother.set(true);
                } catch (Exception e) {
                    throw new java.io.IOException("fetched alone", e);
                }
            }
            if (shas.contains(broken)) throw new java.io.IOException("server said 500 for " + broken);
            for (String sha : shas) cache.put(sha, new ByteArrayInputStream(remote.get(sha)), Long.MAX_VALUE);
        })).hasMessageContaining("server said 500 for " + broken);
        assertThat(metAnother).isTrue();
        assertThat(batches).hasSize(3).allSatisfy(batch -> assertThat(batch).hasSize(2));
        for (int i : new int[]{0, 1, 4, 5}) {
            assertThat(cache.has(manifest.get(i).sha256())).as("the other batches were fetched despite the failure").isTrue();
        }
        assertThat(Files.exists(dir.resolve("tree/spec/f0_spec.rb"))).as("nothing written without every blob").isFalse();
    }
}
