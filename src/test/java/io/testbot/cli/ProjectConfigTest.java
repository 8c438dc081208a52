package io.testbot.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProjectConfigTest {
    @Test
    void readsEverySetting(@TempDir Path root) throws Exception {
        Files.writeString(root.resolve(".testbot.yml"), """
                server: ci.example:2288
                token_file: ~/.testbot/token
                instances: 3
                before_run: bundle exec rake db:prepare
                rspec_options: --tag ~slow
                spec_pattern: test/**/*_spec.rb
                ignore: [coverage, "*.log"]
                runner_timeout: 30
                """);
        ProjectConfig config = ProjectConfig.load(root);
        assertThat(config.server()).isEqualTo("ci.example:2288");
        assertThat(config.instances()).isEqualTo(3);
        assertThat(config.beforeRun()).isEqualTo("bundle exec rake db:prepare");
        assertThat(config.rspecOptionList()).containsExactly("--tag", "~slow");
        assertThat(config.ignore()).containsExactly("coverage", "*.log");
        assertThat(config.runnerTimeout()).isEqualTo(30);
    }

    @Test
    void serversSharingAStoreAreAListTriedInOrder(@TempDir Path root) throws Exception {
        Files.writeString(root.resolve(".testbot.yml"), "server: [ci-a.example:2288, ci-b.example]\n");
        assertThat(ProjectConfig.load(root).server()).isEqualTo("ci-a.example:2288,ci-b.example");
        Files.writeString(root.resolve(".testbot.yml"), "server: [ci-a.example, {port: 1}]\n");
        assertThatThrownBy(() -> ProjectConfig.load(root)).hasMessageContaining(".testbot.yml: server: expected an address or a list of addresses");
    }

    @Test
    void rspecOptionsAsAListAreTakenAsTheyAre(@TempDir Path root) throws Exception {
        Files.writeString(root.resolve(".testbot.yml"), "rspec_options: [\"--tag\", \"type:slow and fast\"]\n");
        assertThat(ProjectConfig.load(root).rspecOptionList()).containsExactly("--tag", "type:slow and fast");
    }

    @Test
    void noFileMeansNoSettings(@TempDir Path root) throws Exception {
        assertThat(ProjectConfig.load(root)).isEqualTo(ProjectConfig.empty());
    }

    @Test
    void anUnknownSettingIsAClearError(@TempDir Path root) throws Exception {
        Files.writeString(root.resolve(".testbot.yml"), "srever: x\n");
        assertThatThrownBy(() -> ProjectConfig.load(root)).isInstanceOf(ProjectConfig.ConfigException.class)
                .hasMessageContaining("unknown setting 'srever'");
    }

    @Test
    void anEmptyFileOrOneOfCommentsOnlyHasNoSettings(@TempDir Path root) throws Exception {
        for (String content : new String[]{"", "\n", "# settings come later\n", "---\n# nothing yet\n"}) {
            Files.writeString(root.resolve(".testbot.yml"), content);
            assertThat(ProjectConfig.load(root)).as("%s", content).isEqualTo(ProjectConfig.empty());
        }
    }

    @Test
    void aWrongTypeNamesTheKeyItsLineAndWhatItTakes(@TempDir Path root) throws Exception {
        Files.writeString(root.resolve(".testbot.yml"), "# farm\nserver: ci:2288\ninstances: four\n");
        assertThatThrownBy(() -> ProjectConfig.load(root)).isInstanceOf(ProjectConfig.ConfigException.class)
                .hasMessageEndingWith(".testbot.yml: line 3: instances: expected a whole number, got 'four'")
                .hasMessageNotContaining("java.lang");
        Files.writeString(root.resolve(".testbot.yml"), "bundle_exec: maybe\n");
        assertThatThrownBy(() -> ProjectConfig.load(root)).hasMessageEndingWith("line 1: bundle_exec: expected true or false, got 'maybe'");
        Files.writeString(root.resolve(".testbot.yml"), "keep_warm: always\n");
        assertThatThrownBy(() -> ProjectConfig.load(root)).hasMessageEndingWith("line 1: keep_warm: expected true or false, got 'always'");
        Files.writeString(root.resolve(".testbot.yml"), "keep_warm: true\n");
        assertThat(ProjectConfig.load(root).keepWarm()).isTrue();
        Files.writeString(root.resolve(".testbot.yml"), "server:\n  host: ci\n");
        assertThatThrownBy(() -> ProjectConfig.load(root)).hasMessageContaining("line 1: server: expected an address or a list of addresses")
                .hasMessageNotContaining("java.lang");
        Files.writeString(root.resolve(".testbot.yml"), "- server\n");
        assertThatThrownBy(() -> ProjectConfig.load(root)).hasMessageContaining("expected settings as 'key: value' lines, found a list");
    }

    @Test
    void eachFrameworkHasItsOwnOptionsAndPattern(@TempDir Path root) throws Exception {
        Files.writeString(root.resolve(".testbot.yml"), """
                rspec_options: --tag ~slow
                test_options: [--verbose]
                test_pattern: test/unit/**/*_test.rb
                cucumber_options: --strict
                feature_pattern: acceptance/**/*.feature
                run_command: bash -e {files}
                run_pattern: checks/*.sh
                """);
        ProjectConfig config = ProjectConfig.load(root);
        assertThat(config.optionsFor("rspec")).containsExactly("--tag", "~slow");
        assertThat(config.optionsFor("test")).containsExactly("--verbose");
        assertThat(config.optionsFor("cucumber")).containsExactly("--strict");
        assertThat(config.optionsFor("junit")).isEmpty();
        assertThat(config.patternFor("test")).isEqualTo("test/unit/**/*_test.rb");
        assertThat(config.patternFor("cucumber")).isEqualTo("acceptance/**/*.feature");
        assertThat(config.patternFor("run")).isEqualTo("checks/*.sh");
        assertThat(config.runCommand()).isEqualTo("bash -e {files}");
    }
}
