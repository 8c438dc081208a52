package io.testbot.sync;

import io.testbot.protocol.FileEntry;
import io.testbot.protocol.ManifestDelta;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ManifestsTest {
    static FileEntry entry(String path, char content, boolean executable) {
        return new FileEntry(path, String.valueOf(content).repeat(64), 10, executable);
    }

    @Test
    void aDigestNamesTheEntriesWhateverTheirOrderAndChangesWithAnyOfTheirFields() {
        List<FileEntry> manifest = List.of(entry("a.rb", 'a', false), entry("lib/b.rb", 'b', false), entry("spec/c_spec.rb", 'c', false));
        String digest = Manifests.digest(manifest);
        assertThat(Manifests.digest(List.of(manifest.get(2), manifest.get(0), manifest.get(1)))).isEqualTo(digest);
        assertThat(digest).matches("[0-9a-f]{64}");
        assertThat(Manifests.digest(List.of(manifest.get(0), manifest.get(1), entry("spec/c_spec.rb", 'd', false)))).as("content").isNotEqualTo(digest);
        assertThat(Manifests.digest(List.of(manifest.get(0), manifest.get(1), entry("spec/c_spec.rb", 'c', true)))).as("mode").isNotEqualTo(digest);
        assertThat(Manifests.digest(List.of(manifest.get(0), manifest.get(1), new FileEntry("spec/c_spec.rb", "c".repeat(64), 11, false))))
                .as("size").isNotEqualTo(digest);
        assertThat(Manifests.digest(List.of(manifest.get(0), manifest.get(1)))).as("one fewer").isNotEqualTo(digest);
    }

    @Test
    void aChangeCarriesOnlyWhatDiffersAndTurnsTheBaseIntoTheNext() {
        List<FileEntry> base = new ArrayList<>();
        for (int i = 0; i < 1000; i++) base.add(entry("lib/f" + i + ".rb", 'a', false));
        List<FileEntry> next = new ArrayList<>(base);
        next.set(10, entry("lib/f10.rb", 'b', false)); // changed content
        next.set(20, entry("lib/f20.rb", 'a', true)); // now executable
        next.remove(30); // gone
        next.add(entry("lib/new.rb", 'c', false)); // added

        ManifestDelta delta = Manifests.delta(Manifests.digest(base), Manifests.byPath(base), Manifests.digest(next), next);
        assertThat(delta.isWhole()).isFalse();
        assertThat(delta.changed()).extracting(FileEntry::path).containsExactlyInAnyOrder("lib/f10.rb", "lib/f20.rb", "lib/new.rb");
        assertThat(delta.removed()).containsExactly("lib/f30.rb");
        java.util.Map<String, FileEntry> baseByPath = Manifests.byPath(base);
        java.util.Collection<FileEntry> applied = Manifests.apply(baseByPath, delta).values();
        assertThat(applied).containsExactlyInAnyOrderElementsOf(next);
        assertThat(Manifests.digest(applied)).isEqualTo(delta.digest());
        assertThat(baseByPath.values()).as("the base is left as it was").containsExactlyInAnyOrderElementsOf(base);

        ManifestDelta none = Manifests.delta(delta.digest(), Manifests.byPath(next), delta.digest(), next);
        assertThat(none.changed()).isEmpty();
        assertThat(none.removed()).isEmpty();
        assertThat(Manifests.apply(Manifests.byPath(next), ManifestDelta.whole("d", List.of(next.get(0)))).values()).as("a whole one replaces the base")
                .containsExactly(next.get(0));
    }
}
