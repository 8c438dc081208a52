package io.testbot.adapters;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which builds run their Ruby frameworks under `bundle exec`. */
class BundlingTest {
    @Test
    void aResolvedBundleRunsUnderBundlerAGemfileAloneOnlyWhenAskedFor(@TempDir Path root) throws Exception {
        assertThat(Bundling.environment(root)).as("no Gemfile").isEmpty();
        Files.writeString(root.resolve("Gemfile"), "source 'https://rubygems.org'\n");
        assertThat(Bundling.environment(root)).as("a gem's checkout: Bundler would have to resolve it").isEmpty();
        assertThat(Bundling.environment(root, true)).containsExactly(Map.entry("BUNDLE_GEMFILE", "Gemfile"));
        Files.writeString(root.resolve("Gemfile.lock"), "GEM\n");
        assertThat(Bundling.environment(root)).containsExactly(Map.entry("BUNDLE_GEMFILE", "Gemfile"));
        assertThat(Bundling.environment(root, false)).isEmpty();

        assertThat(Bundling.command(Map.of("BUNDLE_GEMFILE", "Gemfile"), List.of("ruby", "w.rb"))).containsExactly("bundle", "exec", "ruby", "w.rb");
        assertThat(Bundling.command(Map.of(), List.of("ruby", "w.rb"))).containsExactly("ruby", "w.rb");
        assertThat(new RSpecAdapter().requesterEnvironment(root)).containsEntry("BUNDLE_GEMFILE", "Gemfile");
        assertThat(new JUnitAdapter().requesterVariables()).as("not a Ruby framework").doesNotContain("BUNDLE_GEMFILE");
    }
}
