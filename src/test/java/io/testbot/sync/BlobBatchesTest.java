package io.testbot.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BlobBatchesTest {
    @Test
    void partitionsByCountAndBytesKeepingABigBlobAlone() {
        Map<String, Long> sizes = Map.of("a", 10L, "b", 10L, "c", 10L, "big", 500L, "d", 10L);
        assertThat(BlobBatches.partition(List.of("a", "b", "c", "big", "d"), sizes::get, 2, 100))
                .containsExactly(List.of("a", "b"), List.of("c"), List.of("big"), List.of("d"));
    }

    @Test
    void aBatchRoundTripsThroughAZipAndEachEntryIsCheckedAgainstItsName(@TempDir Path dir) throws Exception {
        Map<String, Path> files = new HashMap<>();
        for (String content : List.of("one", "two", "three")) {
            Path file = Files.writeString(dir.resolve(content + ".rb"), content);
            files.put(Hashing.sha256(content.getBytes(StandardCharsets.UTF_8)), file);
        }
        List<String> shas = List.copyOf(files.keySet());
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        BlobBatches.write(zip, shas, files::get);

        BlobStore store = new BlobStore(dir.resolve("store"));
        assertThat(BlobBatches.read(new ByteArrayInputStream(zip.toByteArray()), Set.copyOf(shas), store, 1000)).isEqualTo(3);
        for (String sha : shas) assertThat(Files.readString(store.path(sha))).isEqualTo(Files.readString(files.get(sha)));

        BlobStore other = new BlobStore(dir.resolve("other"));
        assertThatThrownBy(() -> BlobBatches.read(new ByteArrayInputStream(zip.toByteArray()), Set.of(shas.get(0)), other, 1000))
                .hasMessageContaining("not asked for");

        // Content that does not hash to its entry's name is refused.
        String sha = shas.get(0);
        Files.writeString(files.get(sha), "changed since it was hashed");
        ByteArrayOutputStream lying = new ByteArrayOutputStream();
        BlobBatches.write(lying, List.of(sha), files::get);
        BlobStore third = new BlobStore(dir.resolve("third"));
        assertThatThrownBy(() -> BlobBatches.read(new ByteArrayInputStream(lying.toByteArray()), Set.of(sha), third, 1000))
                .hasMessageContaining("does not match its hash");
        assertThat(third.has(sha)).isFalse();
    }
}
