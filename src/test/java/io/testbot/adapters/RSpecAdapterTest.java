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

        Adapter.Results results = adapter.readResults(json, files, 0, List.of());
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
    void aFileThatFailsToLoadCarriesItsErrorAndTheJobsOtherFilesStillCount(@TempDir Path project) throws Exception {
        Files.createDirectories(project.resolve("spec"));
        Files.writeString(project.resolve("spec/broken_spec.rb"), "this is not ruby (\n");
        Files.writeString(project.resolve("spec/missing_spec.rb"), "require 'no_such_library'\nRSpec.describe('M') { it('x') { } }\n");
        Files.writeString(project.resolve("spec/fine_spec.rb"), "RSpec.describe('Fine') { it('works') { }; it('fails') { expect(1).to eq(2) } }\n");
        List<String> files = List.of("spec/broken_spec.rb", "spec/fine_spec.rb", "spec/missing_spec.rb");
        Path json = project.resolve("out.json");
        Process rspec = new ProcessBuilder(adapter.command(files, List.of(), json)).directory(project.toFile()).redirectErrorStream(true).start();
        String output = new String(rspec.getInputStream().readAllBytes());
        assertThat(rspec.waitFor()).isEqualTo(1);
        // rspec alone would run nothing at all: "0 examples, 0 failures, 2 errors occurred outside of examples".
        assertThat(output).contains("An error occurred while loading ./spec/broken_spec.rb")
                .contains("2 examples, 1 failure, 2 errors occurred outside of examples");

        Adapter.Results results = adapter.readResults(json, files, 1, List.of());
        assertThat(results.errorsOutsideExamples()).as("both errors are their files'").isZero();
        assertThat(results.files()).extracting(FileResult::path, FileResult::examples, FileResult::failures)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("spec/broken_spec.rb", 0, 0), org.assertj.core.groups.Tuple.tuple("spec/fine_spec.rb", 2, 1),
                        org.assertj.core.groups.Tuple.tuple("spec/missing_spec.rb", 0, 0));
        assertThat(results.files().get(0).error()).startsWith("SyntaxError");
        assertThat(results.files().get(1).error()).isNull();
        assertThat(results.files().get(2).error()).isEqualTo("LoadError: cannot load such file -- no_such_library");
        assertThat(adapter.totalsLine(Adapter.Totals.of(results.files(), 0))).isEqualTo("2 examples, 1 failure, 2 errors occurred outside of examples");
    }

    @Test
    void aHelperThatFailsToLoadStillFailsTheWholeJobAsRspecAloneDoes(@TempDir Path project) throws Exception {
        Files.createDirectories(project.resolve("spec"));
        Files.writeString(project.resolve("spec/spec_helper.rb"), "raise 'the helper is broken'\n");
        Files.writeString(project.resolve("spec/fine_spec.rb"), "RSpec.describe('Fine') { it('works') { } }\n");
        Path json = project.resolve("out.json");
        Process rspec = new ProcessBuilder(adapter.command(List.of("spec/fine_spec.rb"), List.of("--require", "spec_helper"), json))
                .directory(project.toFile()).redirectErrorStream(true).start();
        String output = new String(rspec.getInputStream().readAllBytes());
        assertThat(rspec.waitFor()).isEqualTo(1);
        assertThat(output).contains("the helper is broken");
        Adapter.Results results = adapter.readResults(json, List.of("spec/fine_spec.rb"), 1, List.of());
        assertThat(results.errorsOutsideExamples()).isEqualTo(1);
        assertThat(results.files()).singleElement().satisfies(f -> {
            assertThat(f.examples()).isZero();
            assertThat(f.error()).isNull();
        });
    }

    @Test
    void missingResultsAreAnError(@TempDir Path dir) {
        assertThatThrownBy(() -> adapter.readResults(dir.resolve("none.json"), List.of("a"), 0, List.of())).hasMessageContaining("no JSON");
    }

    @Test
    void displayCommandQuotesWhatAShellWouldSplit() {
        assertThat(adapter.displayCommand(List.of("spec/a b_spec.rb"), List.of("--tag", "~slow")))
                .isEqualTo("rspec --tag '~slow' './spec/a b_spec.rb'");
    }

    @Test
    void splitsAFileIntoRunsOfItsExamplesThatTogetherRunEachExampleOnce(@TempDir Path project) throws Exception {
        Files.createDirectories(project.resolve("spec"));
        Files.writeString(project.resolve("spec/big_spec.rb"), """
                RSpec.shared_examples "shared" do
                  it("is shared") { expect(1).to eq(1) }
                end
                RSpec.describe "Big" do
                  10.times { |i| it("example #{i}") { expect(i).to be >= 0 } }
                  context "nested" do
                    it("is nested") { expect(2).to eq(2) }
                    it_behaves_like "shared"
                  end
                  it("fails") { expect(1).to eq(2) }
                end
                """);
        // Random order in .rspec must not scatter the parts.
        Files.writeString(project.resolve(".rspec"), "--order random\n");

        Map<String, List<String>> parts = adapter.split(project, Map.of("spec/big_spec.rb", 3), List.of(), project.resolve("tools"));

        List<String> big = parts.get("spec/big_spec.rb");
        assertThat(big).hasSize(3).allSatisfy(part -> assertThat(adapter.fileOf(part)).isEqualTo("spec/big_spec.rb"));
        assertThat(big.get(0)).isEqualTo("spec/big_spec.rb[1:1,1:2,1:3,1:4]");
        Path json = project.resolve("out.json");
        Process rspec = new ProcessBuilder(adapter.command(big, List.of(), json)).directory(project.toFile()).redirectErrorStream(true).start();
        String output = new String(rspec.getInputStream().readAllBytes());
        assertThat(rspec.waitFor()).as(output).isEqualTo(1);
        Adapter.Results results = adapter.readResults(json, big, 0, List.of());
        assertThat(results.files()).singleElement().satisfies(file -> {
            assertThat(file.path()).isEqualTo("spec/big_spec.rb");
            assertThat(file.examples()).isEqualTo(13);
            assertThat(file.failed()).extracting(FileResult.Failure::id).containsExactly("./spec/big_spec.rb[1:12]");
        });
    }

    @Test
    void aFileWithOneExampleIsNotSplitAndAFileRspecCannotLoadIsAnError(@TempDir Path project) throws Exception {
        Files.createDirectories(project.resolve("spec"));
        Files.writeString(project.resolve("spec/one_spec.rb"), "RSpec.describe('One') { it('works') { } }\n");
        assertThat(adapter.split(project, Map.of("spec/one_spec.rb", 4), List.of(), project.resolve("tools"))).isEmpty();

        Files.writeString(project.resolve("spec/broken_spec.rb"), "this is not ruby (\n");
        assertThatThrownBy(() -> adapter.split(project, Map.of("spec/broken_spec.rb", 2), List.of(), project.resolve("tools"))).hasMessageContaining("listing the tests with rspec failed");
    }

    @Test
    void anEntryIsAFileOrExampleIdsInIt() {
        assertThat(adapter.fileOf("spec/a_spec.rb")).isEqualTo("spec/a_spec.rb");
        assertThat(adapter.fileOf("spec/a_spec.rb[1:2,1:10:3]")).isEqualTo("spec/a_spec.rb");
        assertThatThrownBy(() -> adapter.fileOf("spec/a_spec.rb[1:2;rm -rf /]")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> adapter.fileOf("spec/a_spec.rb[]")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> adapter.fileOf("spec/a_spec.rb[1]x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void exampleIdsSortInDefinitionOrder() {
        List<String> ids = new java.util.ArrayList<>(List.of("2", "1:10", "1:2:1", "1:2", "1:9"));
        ids.sort(RSpecAdapter::compareIds);
        assertThat(ids).containsExactly("1:2", "1:2:1", "1:9", "1:10", "2");
    }
}
