package io.testbot.sync;

import io.testbot.protocol.FileEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManifestPathsTest {
    static final String SHA = "a".repeat(64);

    @Test
    void acceptsOrdinaryRelativePaths() {
        assertThat(ManifestPaths.problem("spec/models/user_spec.rb")).isNull();
        assertThat(ManifestPaths.problem(".rspec")).isNull();
        assertThat(ManifestPaths.problem("a..b/c")).isNull();
    }

    @Test
    void refusesPathsThatEscapeOrAreNotNormalised() {
        assertThat(ManifestPaths.problem("../etc/passwd")).contains("escapes");
        assertThat(ManifestPaths.problem("spec/../../x")).contains("escapes");
        assertThat(ManifestPaths.problem("/etc/passwd")).contains("absolute");
        assertThat(ManifestPaths.problem("C:/x")).contains("absolute");
        assertThat(ManifestPaths.problem("spec//a.rb")).contains("normalised");
        assertThat(ManifestPaths.problem("./a.rb")).contains("normalised");
        assertThat(ManifestPaths.problem("a\\..\\b")).contains("backslash");
        assertThat(ManifestPaths.problem("a\0b")).contains("NUL");
        assertThat(ManifestPaths.problem("")).isNotNull();
    }

    @Test
    void validateRefusesDuplicatesBadDigestsAndFileDirectoryClashes() {
        assertThatThrownBy(() -> ManifestPaths.validate(List.of(new FileEntry("a", SHA, 1, false), new FileEntry("a", SHA, 1, false))))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> ManifestPaths.validate(List.of(new FileEntry("a", "xyz", 1, false))))
                .hasMessageContaining("SHA-256");
        assertThatThrownBy(() -> ManifestPaths.validate(List.of(new FileEntry("a", SHA, 1, false), new FileEntry("a/b", SHA, 1, false))))
                .hasMessageContaining("both a file and a directory");
    }

    @Test
    void resolveStaysUnderTheRoot(@TempDir Path root) {
        assertThat(ManifestPaths.resolve(root, "spec/a.rb").startsWith(root)).isTrue();
        assertThatThrownBy(() -> ManifestPaths.resolve(root, "../a.rb")).isInstanceOf(ManifestPaths.UnsafePathException.class);
    }
}
