package io.testbot.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BlobStoreTest {
    @Test
    void storesContentUnderItsDigest(@TempDir Path dir) throws Exception {
        BlobStore store = new BlobStore(dir);
        byte[] content = "hello".getBytes(StandardCharsets.UTF_8);
        String sha = Hashing.sha256(content);
        store.put(sha, new ByteArrayInputStream(content), 100);
        assertThat(store.has(sha)).isTrue();
        assertThat(Files.readAllBytes(store.path(sha))).isEqualTo(content);
    }

    @Test
    void aStoreOnlyItChangesRemembersWhatItHasAndOneOthersChangeLooksEachTime(@TempDir Path dir) throws Exception {
        byte[] content = "hello".getBytes(StandardCharsets.UTF_8);
        String sha = Hashing.sha256(content);
        BlobStore owned = BlobStore.owned(dir.resolve("server"));
        owned.put(sha, new ByteArrayInputStream(content), 100);
        BlobStore shared = new BlobStore(dir.resolve("runner"));
        shared.put(sha, new ByteArrayInputStream(content), 100);
        assertThat(owned.has(sha)).isTrue();
        assertThat(shared.has(sha)).isTrue();

        Files.delete(owned.path(sha));
        Files.delete(shared.path(sha));
        assertThat(owned.has(sha)).as("the server's: nothing else removes its blobs").isTrue();
        assertThat(shared.has(sha)).as("a runner's cache: its jobs can reach it").isFalse();
    }

    @Test
    void refusesContentThatDoesNotMatchItsDigestAndKeepsNothing(@TempDir Path dir) throws Exception {
        BlobStore store = new BlobStore(dir);
        String claimed = Hashing.sha256("hello".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> store.put(claimed, new ByteArrayInputStream("evil".getBytes(StandardCharsets.UTF_8)), 100))
                .isInstanceOf(BlobStore.BlobRejectedException.class).hasMessageContaining("does not match");
        assertThat(store.has(claimed)).isFalse();
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void refusesBlobsOverTheSizeLimit(@TempDir Path dir) throws Exception {
        BlobStore store = new BlobStore(dir);
        byte[] content = new byte[1000];
        assertThatThrownBy(() -> store.put(Hashing.sha256(content), new ByteArrayInputStream(content), 999))
                .hasMessageContaining("larger than");
        assertThat(store.has(Hashing.sha256(content))).isFalse();
    }

    @Test
    void refusesNamesThatAreNotDigests(@TempDir Path dir) throws Exception {
        BlobStore store = new BlobStore(dir);
        assertThat(store.has("../../etc/passwd")).isFalse();
        assertThatThrownBy(() -> store.path("../x")).isInstanceOf(IllegalArgumentException.class);
    }
}
