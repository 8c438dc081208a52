package io.testbot.adapters;

import io.testbot.protocol.FileResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Runs the real cucumber (Debian's), and checks our counts against its own summary. */
class CucumberAdapterTest {
    final CucumberAdapter adapter = new CucumberAdapter();

    String run(Path project, List<String> entries, Path json) throws Exception {
        Process cucumber = new ProcessBuilder(adapter.command(entries, List.of(), json)).directory(project.toFile()).redirectErrorStream(true).start();
        String output = new String(cucumber.getInputStream().readAllBytes());
        cucumber.waitFor();
        return output;
    }

    @Test
    void countsScenariosAndStepsAsCucumberDoes(@TempDir Path project) throws Exception {
        SampleTests.cucumber(project);
        Path json = project.resolve("out.json");
        List<String> files = List.of("features/calc.feature", "features/pend.feature");
        String output = run(project, files, json);

        Adapter.Results results = adapter.readResults(json, files, 1, List.of());
        String line = adapter.totalsLine(Adapter.Totals.of(results.files(), 0));
        assertThat(line).isEqualTo("6 scenarios (1 failed, 1 undefined, 1 pending, 3 passed)\n17 steps (1 failed, 1 skipped, 1 undefined, 1 pending, 13 passed)");
        assertThat(output).contains(line);
        FileResult calc = results.files().get(0);
        assertThat(calc.failed()).singleElement().satisfies(f -> {
            assertThat(f.location()).isEqualTo("features/calc.feature:9");
            assertThat(adapter.rerunCommand(f)).isEqualTo("cucumber features/calc.feature:9");
        });
        assertThat(calc.cases()).hasSize(5);
    }

    @Test
    void splitsAFeatureByScenarioLinesThatTogetherRunEachScenarioOnce(@TempDir Path project) throws Exception {
        SampleTests.cucumber(project);
        Map<String, List<String>> parts = adapter.split(project, Map.of("features/calc.feature", 2), List.of(), project.resolve("tools"));

        assertThat(parts.get("features/calc.feature")).containsExactly("features/calc.feature:5:9", "features/calc.feature:13:21:22");
        Path json = project.resolve("out.json");
        String output = run(project, parts.get("features/calc.feature"), json);
        assertThat(output).contains("5 scenarios (1 failed, 1 undefined, 3 passed)");
        assertThat(adapter.readResults(json, parts.get("features/calc.feature"), 1, List.of()).files())
                .singleElement().satisfies(f -> assertThat(f.examples()).isEqualTo(5));
    }

    @Test
    void anEntryIsAFeatureOrScenarioLinesInIt() {
        assertThat(adapter.fileOf("features/a.feature:3:10")).isEqualTo("features/a.feature");
        assertThat(adapter.fileOf("features/a.feature")).isEqualTo("features/a.feature");
        assertThatThrownBy(() -> adapter.fileOf("features/a.feature:x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void missingResultsAreAnError(@TempDir Path dir) {
        assertThatThrownBy(() -> adapter.readResults(dir.resolve("none.json"), List.of("a.feature"), 1, List.of())).hasMessageContaining("no JSON");
    }

    @Test
    void aFeatureThatCucumberCannotParseFailsTheJob(@TempDir Path project) throws Exception {
        SampleTests.cucumber(project);
        Files.writeString(project.resolve("features/broken.feature"), "this is not gherkin\n  Scenario\n");
        Path json = project.resolve("out.json");
        Process cucumber = new ProcessBuilder(adapter.command(List.of("features/broken.feature"), List.of(), json)).directory(project.toFile())
                .redirectErrorStream(true).start();
        cucumber.getInputStream().readAllBytes();
        int exit = cucumber.waitFor();
        assertThat(exit).isNotZero();
        // No results, or results without a failed scenario: either way the job counts as incomplete.
        boolean unreadable;
        try {
            Adapter.Results results = adapter.readResults(json, List.of("features/broken.feature"), exit, List.of());
            unreadable = results.files().stream().allMatch(f -> f.failed().isEmpty());
        } catch (java.io.IOException e) {
            unreadable = true;
        }
        assertThat(unreadable).isTrue();
    }
}
