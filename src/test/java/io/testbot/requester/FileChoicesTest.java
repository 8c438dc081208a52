package io.testbot.requester;

import io.testbot.adapters.Adapter;
import io.testbot.protocol.FileResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FileChoicesTest {

    /** A framework whose configuration chooses its files: it lists what it finds under spec/, and counts the asking. */
    static final class Listing implements Adapter {
        int asked;

        @Override public String name() { return "listing"; }
        @Override public List<String> defaultPatterns() { return List.of("spec/**/*_spec.rb"); }
        @Override public List<String> command(List<String> files, List<String> options, Path resultFile) { return List.of("true"); }
        @Override public String displayCommand(List<String> files, List<String> options) { return "true"; }
        @Override public Results readResults(Path resultFile, List<String> files, int exitCode, List<String> options) { throw new UnsupportedOperationException(); }
        @Override public String totalsLine(Totals totals) { return ""; }
        @Override public String rerunCommand(FileResult.Failure failure) { return ""; }
        @Override public boolean choosesFiles(Path root, List<String> patterns, List<String> options) { return Files.isRegularFile(root.resolve(".rspec")); }

        @Override
        public List<String> filesToRun(Path root, List<String> patterns, List<String> paths, List<String> options, Path tools) throws java.io.IOException {
            asked++;
            try (var files = Files.walk(root.resolve("spec"))) {
                return files.filter(Files::isRegularFile).map(f -> root.relativize(f).toString()).sorted().toList();
            }
        }
    }

    @Test
    void theFrameworkIsAskedAgainOnlyWhenAPathOrItsConfigurationChanged(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("app"));
        Path cache = dir.resolve("cache");
        Files.createDirectories(root.resolve("spec"));
        Files.writeString(root.resolve(".rspec"), "--exclude-pattern spec/slow/**\n");
        Files.writeString(root.resolve("spec/a_spec.rb"), "a");
        Listing framework = new Listing();

        assertThat(choose(framework, root, cache)).containsExactly("spec/a_spec.rb");
        assertThat(choose(framework, root, cache)).containsExactly("spec/a_spec.rb");
        assertThat(framework.asked).as("nothing changed: the last answer").isEqualTo(1);

        // What a test file holds does not choose files, nor does a file a test writes once it is there.
        Files.writeString(root.resolve("spec/a_spec.rb"), "a, edited");
        Files.createDirectories(root.resolve("log"));
        Files.writeString(root.resolve("log/test.log"), "ignored");
        assertThat(choose(framework, root, cache)).containsExactly("spec/a_spec.rb");
        assertThat(framework.asked).isEqualTo(1);

        Files.writeString(root.resolve("spec/b_spec.rb"), "b");
        assertThat(choose(framework, root, cache)).containsExactly("spec/a_spec.rb", "spec/b_spec.rb");
        assertThat(framework.asked).as("a file added").isEqualTo(2);

        Files.move(root.resolve("spec/b_spec.rb"), root.resolve("spec/c_spec.rb"));
        assertThat(choose(framework, root, cache)).containsExactly("spec/a_spec.rb", "spec/c_spec.rb");
        assertThat(framework.asked).as("a file renamed").isEqualTo(3);

        Files.writeString(root.resolve(".rspec"), "--exclude-pattern spec/c_spec.rb\n");
        choose(framework, root, cache);
        assertThat(framework.asked).as("its configuration changed").isEqualTo(4);

        FileChoices.filesToRun(framework, root, List.of("spec/**/*_spec.rb"), List.of(), List.of("--tag", "fast"), List.of(), cache);
        assertThat(framework.asked).as("other options").isEqualTo(5);

        Files.delete(root.resolve(".rspec"));
        assertThat(choose(framework, root, cache)).as("nothing to ask").isNull();
        assertThat(framework.asked).isEqualTo(5);
    }

    @Test
    void testbotJunitRunsTheClassesSurefireRunsAndAsksAgainWhenItsSettingsChange(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("app"));
        Path cache = dir.resolve("cache");
        for (String name : List.of("CalcTest", "CodecAbstractTest", "CodecPerformanceTest")) {
            Files.createDirectories(root.resolve("target/test-classes/org/x"));
            Files.writeString(root.resolve("target/test-classes/org/x/" + name + ".class"), name);
        }
        Path effectivePom = root.resolve(io.testbot.adapters.SurefireSettings.EFFECTIVE_POM);
        Files.writeString(effectivePom, surefireExcluding("**/*AbstractTest.java", "**/*PerformanceTest.java"));
        Adapter junit = io.testbot.adapters.Adapters.get("junit");

        assertThat(FileChoices.filesToRun(junit, root, junit.defaultPatterns(), List.of(), List.of(), List.of(), cache))
                .containsExactly("target/test-classes/org/x/CalcTest.class");
        Files.writeString(effectivePom, surefireExcluding("**/*AbstractTest.java"));
        assertThat(FileChoices.filesToRun(junit, root, junit.defaultPatterns(), List.of(), List.of(), List.of(), cache))
                .containsExactly("target/test-classes/org/x/CalcTest.class", "target/test-classes/org/x/CodecPerformanceTest.class");
        assertThat(FileChoices.filesToRun(junit, root, List.of("target/test-classes/**/*.class"), List.of(), List.of(), List.of(), cache))
                .as("testbot's own pattern: no asking").isNull();
    }

    /** An effective POM (help:effective-pom's form) whose Surefire excludes these. */
    private static String surefireExcluding(String... patterns) {
        StringBuilder excludes = new StringBuilder();
        for (String pattern : patterns) excludes.append("<exclude>").append(pattern).append("</exclude>");
        return "<project><build><plugins><plugin><artifactId>maven-surefire-plugin</artifactId><configuration><excludes>" + excludes
                + "</excludes></configuration></plugin></plugins></build></project>";
    }

    private static List<String> choose(Listing framework, Path root, Path cache) throws Exception {
        return FileChoices.filesToRun(framework, root, List.of("spec/**/*_spec.rb"), List.of(), List.of(), List.of(), cache);
    }
}
