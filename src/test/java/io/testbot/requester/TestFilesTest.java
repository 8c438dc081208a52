package io.testbot.requester;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestFilesTest {
    static final List<String> PATTERN = List.of("spec/**/*_spec.rb");

    static void touch(Path root, String... paths) throws Exception {
        for (String p : paths) {
            Files.createDirectories(root.resolve(p).getParent());
            Files.writeString(root.resolve(p), "");
        }
    }

    @Test
    void defaultPatternMatchesTopLevelAndNestedSpecs(@TempDir Path root) throws Exception {
        touch(root, "spec/a_spec.rb", "spec/models/b_spec.rb", "spec/spec_helper.rb", "lib/c_spec.rb");
        assertThat(TestFiles.collect(root, PATTERN, List.of())).containsExactly("spec/a_spec.rb", "spec/models/b_spec.rb");
    }

    @Test
    void givenDirectoriesAreSearchedAndGivenFilesTakenAsTheyAre(@TempDir Path root) throws Exception {
        touch(root, "spec/a_spec.rb", "spec/models/b_spec.rb", "spec/models/helper.rb", "spec/other/c_spec.rb");
        assertThat(TestFiles.collect(root, PATTERN, List.of("spec/models", "spec/a_spec.rb"))).containsExactly("spec/a_spec.rb", "spec/models/b_spec.rb");
    }

    @Test
    void refusesPathsOutsideTheProjectOrMissing(@TempDir Path root) throws Exception {
        touch(root, "spec/a_spec.rb");
        assertThatThrownBy(() -> TestFiles.collect(root, PATTERN, List.of("../x_spec.rb"))).hasMessageContaining("outside the project");
        assertThatThrownBy(() -> TestFiles.collect(root, PATTERN, List.of("spec/none_spec.rb"))).hasMessageContaining("no such file");
    }

    @Test
    void aLineNumberIsRefusedRatherThanSilentlyWidened(@TempDir Path root) throws Exception {
        touch(root, "spec/a_spec.rb");
        assertThatThrownBy(() -> TestFiles.collect(root, PATTERN, List.of("spec/a_spec.rb:12"))).hasMessageContaining("runs whole files");
    }
}
