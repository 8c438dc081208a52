package io.testbot.adapters;

import io.testbot.protocol.FileResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Runs the real rspec, so a change in its JSON output shows here first. */
class RSpecAdapterTest {
    final RSpecAdapter adapter = new RSpecAdapter();

    @Test
    void readsExamplesFailuresAndPendingPerFileFromRealRspec(@TempDir Path project) throws Exception {
        Files.createDirectories(project.resolve("spec"));
        Files.writeString(project.resolve("spec/mixed_spec.rb"), """
                RSpec.describe "Mixed" do
                  it "passes" do
                    expect(1).to eq(1)
                  end
                  it "fails" do
                    expect(1).to eq(2)
                  end
                  it "is pending" do
                    pending "not yet"
                    raise "boom"
                  end
                end
                """);
        Files.writeString(project.resolve("spec/fine_spec.rb"), "RSpec.describe('Fine') { it('works') { expect(true).to be(true) } }\n");
        List<String> files = List.of("spec/fine_spec.rb", "spec/mixed_spec.rb");
        Path json = project.resolve("out.json");
        Process rspec = new ProcessBuilder(adapter.command(files, List.of(), json)).directory(project.toFile()).redirectErrorStream(true).start();
        String output = new String(rspec.getInputStream().readAllBytes());
        assertThat(rspec.waitFor()).isEqualTo(1);
        assertThat(output).contains("4 examples, 1 failure, 1 pending");

        Adapter.Results results = adapter.readResults(json, files);
        assertThat(results.errorsOutsideExamples()).isZero();
        assertThat(results.files()).extracting(FileResult::path).containsExactly("spec/fine_spec.rb", "spec/mixed_spec.rb");
        FileResult mixed = results.files().get(1);
        assertThat(mixed.examples()).isEqualTo(3);
        assertThat(mixed.failures()).isEqualTo(1);
        assertThat(mixed.pending()).isEqualTo(1);
        assertThat(mixed.failed()).extracting(FileResult.Failure::location).containsExactly("./spec/mixed_spec.rb:5");
        assertThat(mixed.failed()).extracting(FileResult.Failure::id).containsExactly("./spec/mixed_spec.rb[1:2]");
        assertThat(adapter.totalsLine(Adapter.Totals.of(results.files(), 0))).isEqualTo("4 examples, 1 failure, 1 pending");
        assertThat(adapter.rerunCommand(mixed.failed().get(0))).isEqualTo("rspec ./spec/mixed_spec.rb:5");
    }

    @Test
    void countsLoadErrorsAsErrorsOutsideExamples(@TempDir Path project) throws Exception {
        Files.createDirectories(project.resolve("spec"));
        Files.writeString(project.resolve("spec/broken_spec.rb"), "this is not ruby (\n");
        Path json = project.resolve("out.json");
        Process rspec = new ProcessBuilder(adapter.command(List.of("spec/broken_spec.rb"), List.of(), json)).directory(project.toFile())
                .redirectErrorStream(true).start();
        rspec.getInputStream().readAllBytes();
        assertThat(rspec.waitFor()).isNotZero();
        assertThat(adapter.readResults(json, List.of("spec/broken_spec.rb")).errorsOutsideExamples()).isEqualTo(1);
    }

    @Test
    void missingResultsAreAnError(@TempDir Path dir) {
        assertThatThrownBy(() -> adapter.readResults(dir.resolve("none.json"), List.of("a"))).hasMessageContaining("no JSON");
    }

    @Test
    void displayCommandQuotesWhatAShellWouldSplit() {
        assertThat(adapter.displayCommand(List.of("spec/a b_spec.rb"), List.of("--tag", "~slow")))
                .isEqualTo("rspec --tag '~slow' './spec/a b_spec.rb'");
    }
}
