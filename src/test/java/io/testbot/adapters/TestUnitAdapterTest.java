package io.testbot.adapters;

import io.testbot.protocol.FileResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the real ruby with the Debian test-unit and minitest gems, and checks our counts against theirs. */
class TestUnitAdapterTest {
    final TestUnitAdapter adapter = new TestUnitAdapter();

    record Run(String output, int exit, Adapter.Results results) {}

    Run run(Path project, List<String> files, List<String> options) throws Exception {
        Path json = Files.createDirectories(project.resolve("results")).resolve("job.json");
        Process ruby = new ProcessBuilder(adapter.command(files, options, json)).directory(project.toFile()).redirectErrorStream(true).start();
        String output = new String(ruby.getInputStream().readAllBytes());
        int exit = ruby.waitFor();
        return new Run(output, exit, adapter.readResults(json, files, exit, options));
    }

    @Test
    void countsTestUnitTestsAsTestUnitDoes(@TempDir Path project) throws Exception {
        SampleTests.testUnit(project);
        Run run = run(project, List.of("test/calc_test.rb", "test/helper_free_test.rb"), List.of());

        assertThat(run.exit()).isEqualTo(1);
        Matcher own = Pattern.compile("(\\d+) tests, (\\d+) assertions, (\\d+) failures, (\\d+) errors, (\\d+) pendings, (\\d+) omissions").matcher(run.output());
        assertThat(own.find()).as(run.output()).isTrue();
        Adapter.Totals totals = Adapter.Totals.of(run.results().files(), 0);
        assertThat(totals.examples()).isEqualTo(Integer.parseInt(own.group(1))).isEqualTo(6);
        assertThat(totals.count("assertions")).isEqualTo(Integer.parseInt(own.group(2)));
        assertThat(totals.count("failures")).isEqualTo(Integer.parseInt(own.group(3)));
        assertThat(totals.count("errors")).isEqualTo(Integer.parseInt(own.group(4)));
        assertThat(totals.pending()).isEqualTo(Integer.parseInt(own.group(5)) + Integer.parseInt(own.group(6)));
        assertThat(adapter.totalsLine(totals)).isEqualTo("6 tests, 4 assertions, 1 failures, 1 errors, 2 skips");

        FileResult calc = run.results().files().get(0);
        assertThat(calc.path()).isEqualTo("test/calc_test.rb");
        assertThat(calc.failed()).extracting(FileResult.Failure::location).containsExactlyInAnyOrder("test/calc_test.rb:7", "test/calc_test.rb:10");
        FileResult.Failure fails = calc.failed().stream().filter(f -> f.location().endsWith(":7")).findFirst().orElseThrow();
        assertThat(adapter.rerunCommand(fails)).isEqualTo("ruby -Ilib -Itest test/calc_test.rb -n test_fails");
        assertThat(calc.cases()).extracting(FileResult.TestCase::status).containsExactlyInAnyOrder("passed", "failed", "error", "skipped", "skipped");
    }

    @Test
    void countsMinitestTestsAsMinitestDoesAndPassesItsOptions(@TempDir Path project) throws Exception {
        SampleTests.minitest(project);
        Run run = run(project, List.of("test/small_test.rb"), List.of("--seed", "4242"));

        assertThat(run.output()).contains("--seed 4242");
        Matcher own = Pattern.compile("(\\d+) runs, (\\d+) assertions, (\\d+) failures, (\\d+) errors, (\\d+) skips").matcher(run.output());
        assertThat(own.find()).as(run.output()).isTrue();
        Adapter.Totals totals = Adapter.Totals.of(run.results().files(), 0);
        assertThat(adapter.totalsLine(totals)).isEqualTo(own.group(1) + " tests, " + own.group(2) + " assertions, " + own.group(3) + " failures, "
                + own.group(4) + " errors, " + own.group(5) + " skips").isEqualTo("4 tests, 2 assertions, 1 failures, 1 errors, 1 skips");
        assertThat(run.results().files().get(0).failed()).extracting(FileResult.Failure::description)
                .containsExactlyInAnyOrder("SmallTest#test_bad", "SmallTest#test_err");
    }

    @Test
    void aFileThatDoesNotLoadIsAnErrorAndTheOthersStillRun(@TempDir Path project) throws Exception {
        SampleTests.minitest(project);
        Files.writeString(project.resolve("test/broken_test.rb"), "this is not ruby (\n");
        Files.writeString(project.resolve("test/fine_test.rb"), """
                require "minitest/autorun"
                class FineTest < Minitest::Test
                  def test_fine
                    assert true
                  end
                end
                """);
        Run run = run(project, List.of("test/broken_test.rb", "test/fine_test.rb"), List.of());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.output()).contains("testbot: cannot load test/broken_test.rb: SyntaxError");
        assertThat(run.results().errorsOutsideExamples()).as("the error is its file's").isZero();
        assertThat(run.results().files()).extracting(FileResult::path, FileResult::examples)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("test/broken_test.rb", 0), org.assertj.core.groups.Tuple.tuple("test/fine_test.rb", 1));
        assertThat(run.results().files().get(0).error()).startsWith("SyntaxError");
        assertThat(run.results().files().get(1).error()).isNull();
        assertThat(adapter.totalsLine(Adapter.Totals.of(run.results().files(), 0))).isEqualTo("1 tests, 1 assertions, 0 failures, 0 errors, 0 skips, 1 file did not load");
    }

    @Test
    void theDisplayedCommandRunsTheSameTests(@TempDir Path project) throws Exception {
        SampleTests.minitest(project);
        String display = adapter.displayCommand(List.of("test/small_test.rb"), List.of("--seed", "7"));
        Process shell = new ProcessBuilder("sh", "-c", display).directory(project.toFile()).redirectErrorStream(true).start();
        String output = new String(shell.getInputStream().readAllBytes());
        shell.waitFor();
        assertThat(output).contains("--seed 7").contains("4 runs, 2 assertions, 1 failures, 1 errors, 1 skips");
    }

    @Test
    void testsThatRequireTheirLibraryByNameLoadItAsUnderRakeTest(@TempDir Path project) throws Exception {
        // As kramdown's do: `rake test` (Rake's TestTask) puts lib on the load path, and the tests count on it.
        Files.createDirectories(project.resolve("lib"));
        Files.writeString(project.resolve("lib/shout.rb"), "module Shout; def self.call(s) = s.upcase; end\n");
        Files.createDirectories(project.resolve("test"));
        Files.writeString(project.resolve("test/shout_test.rb"), """
                require "minitest/autorun"
                require "shout"
                class ShoutTest < Minitest::Test
                  def test_shouts; assert_equal "HI", Shout.call("hi"); end
                end
                """);
        Run run = run(project, List.of("test/shout_test.rb"), List.of());
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(adapter.totalsLine(Adapter.Totals.of(run.results().files(), 0))).isEqualTo("1 tests, 1 assertions, 0 failures, 0 errors, 0 skips");
    }

    /** Each part's tests as "Class#name", in one list over all parts (a test run twice is there twice). */
    List<String> partsRun(Path project, String file, int k) throws Exception {
        Map<String, List<String>> parts = adapter.split(project, Map.of(file, k), List.of(), project);
        assertThat(parts.get(file)).hasSize(k);
        List<String> ran = new ArrayList<>();
        for (String part : parts.get(file)) {
            Run run = run(project, List.of(part), List.of());
            assertThat(run.results().files()).as(run.output()).extracting(FileResult::path).contains(file).noneMatch(path -> path.contains("["));
            run.results().files().forEach(f -> f.cases().forEach(c -> ran.add(c.classname() + "#" + c.name())));
        }
        return ran;
    }

    List<String> wholeRun(Path project, String file) throws Exception {
        List<String> ran = new ArrayList<>();
        run(project, List.of(file), List.of()).results().files().forEach(f -> f.cases().forEach(c -> ran.add(c.classname() + "#" + c.name())));
        return ran;
    }

    @Test
    void aMinitestFileSplitIntoPartsRunsEachOfItsTestsOnceOverTheParts(@TempDir Path project) throws Exception {
        // Two classes of the file's own, a spec, and a class of a helper's, which runs wherever the file is loaded.
        SampleTests.write(project, "test/helper_tests.rb", """
                require "minitest/autorun"
                class HelperTest < Minitest::Test
                  def test_from_the_helper; assert true; end
                end
                """);
        SampleTests.write(project, "test/big_test.rb", """
                require_relative "helper_tests"
                class BigTest < Minitest::Test
                  7.times { |i| define_method("test_#{i}") { assert true } }
                end
                class OtherTest < Minitest::Test
                  def test_a; assert true; end
                  def test_b; assert_equal 1, 2; end
                end
                describe "a spec" do
                  it("holds") { _(1).must_equal 1 }
                end
                """);
        List<String> whole = wholeRun(project, "test/big_test.rb");
        assertThat(whole).hasSize(11);

        assertThat(partsRun(project, "test/big_test.rb", 3)).containsExactlyInAnyOrderElementsOf(whole);
    }

    @Test
    void aTestUnitFileSplitIntoPartsRunsEachOfItsTestsOnceWithDataDrivenTestsTogether(@TempDir Path project) throws Exception {
        SampleTests.write(project, "test/big_test.rb", """
                require "test/unit"
                class BigTest < Test::Unit::TestCase
                  5.times { |i| define_method("test_#{i}") { assert true } }
                  test "by description" do
                    assert true
                  end
                  data("one" => 1, "two" => 2, "three" => 3)
                  def test_data(n)
                    assert n > 0
                  end
                end
                class OtherTest < Test::Unit::TestCase
                  def test_fails; assert_equal 1, 2; end
                end
                """);
        List<String> whole = wholeRun(project, "test/big_test.rb");
        assertThat(whole).hasSize(10);

        assertThat(partsRun(project, "test/big_test.rb", 4)).containsExactlyInAnyOrderElementsOf(whole);
        // More parts than tests: some run nothing, and every test still runs once.
        assertThat(partsRun(project, "test/big_test.rb", 9)).containsExactlyInAnyOrderElementsOf(whole);
    }

    @Test
    void aJobWithTwoPartsOfOneFileRunsBothParts(@TempDir Path project) throws Exception {
        SampleTests.write(project, "test/big_test.rb", """
                require "minitest/autorun"
                class BigTest < Minitest::Test
                  9.times { |i| define_method("test_#{i}") { assert true } }
                end
                """);
        Run firstAndLast = run(project, List.of("test/big_test.rb[1/3]", "test/big_test.rb[3/3]"), List.of());
        Run middle = run(project, List.of("test/big_test.rb[2/3]"), List.of());

        List<String> ran = new ArrayList<>();
        for (Run run : List.of(firstAndLast, middle)) run.results().files().forEach(f -> f.cases().forEach(c -> ran.add(c.name())));
        assertThat(Adapter.Totals.of(firstAndLast.results().files(), 0).examples()).isEqualTo(6);
        assertThat(ran).containsExactlyInAnyOrder("test_0", "test_1", "test_2", "test_3", "test_4", "test_5", "test_6", "test_7", "test_8");
    }

    @Test
    void aPartNamesItsFileAndIsNeitherSharedNorMistakenForAnotherForm() {
        assertThat(adapter.fileOf("test/a_test.rb[2/4]")).isEqualTo("test/a_test.rb");
        assertThat(adapter.fileOf("test/a_test.rb")).isEqualTo("test/a_test.rb");
        for (String bad : List.of("test/a_test.rb[5/4]", "test/a_test.rb[0/4]", "test/a_test.rb[x]")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> adapter.fileOf(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(adapter.sharesFiles(List.of("test/a_test.rb", "test/b_test.rb"))).isTrue();
        assertThat(adapter.sharesFiles(List.of("test/a_test.rb", "test/b_test.rb[1/2]"))).isFalse();
        assertThat(adapter.displayCommand(List.of("test/b_test.rb[1/2]"), List.of()))
                .isEqualTo("ruby -Ilib -Itest -e 'ARGV.each { |f| require File.expand_path(f) }' test/b_test.rb  # test/b_test.rb: part 1 of 2 of its tests by class and name");
    }

    @Test
    void theConventionalTestHelperIsNotATestFile() {
        assertThat(adapter.isTestFile("test/test_helper.rb")).isFalse();
        assertThat(adapter.isTestFile("test/test_parser.rb")).isTrue();
        assertThat(adapter.isTestFile("test/models/user_test.rb")).isTrue();
    }

    @Test
    void testUnitAndMinitestFilesInOneJobBothRunWhicheverLoadsFirst(@TempDir Path project) throws Exception {
        SampleTests.minitest(SampleTests.testUnit(project));
        for (List<String> files : List.of(List.of("test/calc_test.rb", "test/small_test.rb"), List.of("test/small_test.rb", "test/calc_test.rb"))) {
            Run run = run(project, files, List.of());
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.output()).contains("4 runs, 2 assertions").contains("5 tests, 3 assertions");
            assertThat(adapter.totalsLine(Adapter.Totals.of(run.results().files(), 0))).isEqualTo("9 tests, 5 assertions, 2 failures, 2 errors, 3 skips");
        }
    }
}
