package io.testbot.runner;

import io.testbot.adapters.Adapter;
import io.testbot.adapters.Adapters;
import io.testbot.protocol.FileResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real warm workers of Test::Unit/minitest, Cucumber and JUnit: the framework and the project's boot once over
 * several jobs, each job with its own output, status and results, and a job that kills its process.
 */
class FrameworkWorkersTest {
    private static WarmWorker start(Adapter adapter, Path project, List<String> options) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(adapter.workerCommand(project.resolve("tools"), options))
                .directory(project.toFile()).redirectErrorStream(true);
        // However loaded the machine, the worker waits for the test's next job rather than ending idle.
        builder.environment().put("TESTBOT_WORKER_IDLE", "600");
        return WarmWorker.start(builder, adapter.name(), 1, project);
    }

    private static List<String> lines(Path file) throws Exception {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    @Test
    void minitestLoadsTheHelperOnceAndRunsEachJobInAForkOfIt(@TempDir Path project) throws Exception {
        Adapter test = Adapters.get("test");
        Files.createDirectories(project.resolve("test"));
        Files.writeString(project.resolve("test/test_helper.rb"), """
                require "minitest/autorun"
                File.open(File.expand_path("../boots", __dir__), "a") { |f| f.puts Process.pid }
                HELPER_PID = Process.pid
                """);
        Files.writeString(project.resolve("test/a_test.rb"), """
                require "test_helper"
                class ATest < Minitest::Test
                  def test_leaks; $leaked = "from a"; puts "A in #{Process.pid} of #{HELPER_PID}"; assert true; end
                end
                """);
        Files.writeString(project.resolve("test/b_test.rb"), """
                require_relative "test_helper"
                class BTest < Minitest::Test
                  def test_sees_no_leak; assert_nil $leaked; end
                  def test_fails; flunk "b fails"; end
                end
                """);
        Files.writeString(project.resolve("test/alone_test.rb"), """
                require "minitest/autorun"
                class AloneTest < Minitest::Test
                  def test_without_the_helper; assert !defined?(HELPER_PID), "the helper was loaded"; end
                end
                """);
        Files.writeString(project.resolve("test/dies_test.rb"), """
                require "test_helper"
                class DiesTest < Minitest::Test
                  def test_exits_hard; puts "last words"; $stdout.flush; exit!(3); end
                end
                """);
        WarmWorker worker = start(test, project, List.of());
        try {
            assertThat(worker.booting()).as("its first job pays its boot").isTrue();
            WarmWorker.Outcome a = worker.run(test.workerJob(List.of("test/a_test.rb"), List.of(), project.resolve("a.json")));
            assertThat(worker.booting()).as("later jobs do not").isFalse();
            WarmWorker.Outcome b = worker.run(test.workerJob(List.of("test/b_test.rb"), List.of(), project.resolve("b.json")));
            WarmWorker.Outcome alone = worker.run(test.workerJob(List.of("test/alone_test.rb"), List.of(), project.resolve("alone.json")));
            WarmWorker.Outcome dies = worker.run(test.workerJob(List.of("test/dies_test.rb"), List.of(), project.resolve("d.json")));
            WarmWorker.Outcome again = worker.run(test.workerJob(List.of("test/b_test.rb"), List.of(), project.resolve("again.json")));

            assertThat(a.status()).isZero();
            assertThat(a.output()).contains("1 runs, 1 assertions, 0 failures").contains(" of " + worker.process().pid())
                    .doesNotContain("b fails");
            assertThat(b.status()).isEqualTo(1);
            assertThat(b.output()).contains("2 runs, 2 assertions, 1 failures").doesNotContain("A in");
            assertThat(test.readResults(project.resolve("b.json"), List.of("test/b_test.rb"), b.status(), List.of()).files())
                    .extracting(FileResult::examples, FileResult::failures).containsExactly(org.assertj.core.groups.Tuple.tuple(2, 1));
            assertThat(alone.status()).as(alone.output()).isZero();
            assertThat(dies.status()).isEqualTo(3);
            assertThat(dies.output()).contains("last words");
            assertThat(worker.fits(1, project)).as("a job that killed its fork leaves the worker").isTrue();
            assertThat(again.status()).isEqualTo(1);
            assertThat(again.output()).as("no job sees what another changed").contains("2 runs, 2 assertions, 1 failures");
            assertThat(lines(project.resolve("boots"))).as("the helper loaded once, in the worker")
                    .containsExactly(String.valueOf(worker.process().pid()));
        } finally {
            worker.close();
        }
    }

    @Test
    void testUnitJobsInTheWorkerCountAsInAProcessOfTheirOwn(@TempDir Path project) throws Exception {
        Adapter test = Adapters.get("test");
        Files.createDirectories(project.resolve("test"));
        Files.writeString(project.resolve("test/helper.rb"), "require \"test/unit\"\n");
        Files.writeString(project.resolve("test/test_calc.rb"), """
                require File.expand_path("../helper", __FILE__)
                class TestCalc < Test::Unit::TestCase
                  def test_adds; assert_equal 4, 2 + 2; end
                  def test_fails; assert_equal 5, 2 + 2; end
                  def test_omits; omit "later"; end
                end
                """);
        WarmWorker worker = start(test, project, List.of());
        try {
            for (String name : List.of("one", "two")) {
                WarmWorker.Outcome outcome = worker.run(test.workerJob(List.of("test/test_calc.rb"), List.of(), project.resolve(name + ".json")));
                assertThat(outcome.status()).isEqualTo(1);
                assertThat(outcome.output()).contains("3 tests, 2 assertions, 1 failures, 0 errors, 0 pendings, 1 omissions");
                FileResult result = test.readResults(project.resolve(name + ".json"), List.of("test/test_calc.rb"), 1, List.of()).files().get(0);
                assertThat(List.of(result.examples(), result.failures(), result.pending())).containsExactly(3, 1, 1);
            }
        } finally {
            worker.close();
        }
    }

    /**
     * A job whose file another instance claimed first leaves it out, and claims the others as it runs them: rspec's,
     * minitest's, Test::Unit's and cucumber's workers, Test::Unit also in a process of its own (a file without the helper).
     */
    @Test
    void aJobRunsOnlyTheFilesItClaimsAndLeavesOutOnesAnotherProcessClaimedFirst(@TempDir Path project) throws Exception {
        Files.createDirectories(project.resolve("test"));
        Files.createDirectories(project.resolve("spec"));
        Files.writeString(project.resolve("test/test_helper.rb"), "require \"minitest/autorun\"\n");
        Files.createDirectories(project.resolve("features/step_definitions"));
        Files.writeString(project.resolve("features/step_definitions/steps.rb"), "Given(/^it works$/) { }\n");
        for (String name : List.of("a", "b", "c")) {
            Files.writeString(project.resolve("test/" + name + "_test.rb"), """
                    require "test_helper"
                    class %1$sTest < Minitest::Test
                      def test_one; assert true; end
                      def test_two; assert true; end
                    end
                    """.formatted(name.toUpperCase()));
            Files.writeString(project.resolve("test/unit_" + name + "_test.rb"), """
                    require "test/unit"
                    class Unit%1$sTest < Test::Unit::TestCase
                      def test_one; assert true; end
                    end
                    """.formatted(name.toUpperCase()));
            Files.writeString(project.resolve("spec/" + name + "_spec.rb"), """
                    RSpec.describe("%1$s") { it("one") { }; it("two") { } }
                    RSpec.describe("%1$s again") { it("three") { } }
                    """.formatted(name));
            Files.writeString(project.resolve("features/" + name + ".feature"), """
                    Feature: %1$s
                      Scenario: one
                        Given it works
                      Scenario: two
                        Given it works
                    """.formatted(name));
        }
        record Case(Adapter adapter, List<String> files, int testsPerFile) {}
        List<Case> cases = List.of(new Case(Adapters.get("test"), List.of("test/a_test.rb", "test/b_test.rb", "test/c_test.rb"), 2),
                new Case(Adapters.get("test"), List.of("test/unit_a_test.rb", "test/unit_b_test.rb", "test/unit_c_test.rb"), 1),
                new Case(Adapters.get("rspec"), List.of("spec/a_spec.rb", "spec/b_spec.rb", "spec/c_spec.rb"), 3),
                new Case(Adapters.get("cucumber"), List.of("features/a.feature", "features/b.feature", "features/c.feature"), 2));
        for (Case c : cases) {
            Path claims = Files.createDirectories(project.resolve("claims-" + c.files().get(0).replace('/', '-')));
            Files.writeString(claims.resolve("1"), "taken over\n"); // another instance has the second file
            WarmWorker worker = start(c.adapter(), project, List.of());
            try {
                Path json = project.resolve("results-" + c.files().get(0).replace('/', '-') + ".json");
                WarmWorker.Outcome outcome = worker.run(c.adapter().workerJob(c.files(), List.of(), json, claims));
                assertThat(outcome.status()).as(c.files() + ": " + outcome.output()).isZero();
                List<FileResult> results = c.adapter().readResults(json, c.files(), 0, List.of()).files();
                assertThat(results).as(c.files().toString()).extracting(FileResult::path, FileResult::examples)
                        .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(c.files().get(0), c.testsPerFile()),
                                org.assertj.core.groups.Tuple.tuple(c.files().get(1), 0), org.assertj.core.groups.Tuple.tuple(c.files().get(2), c.testsPerFile()));
                assertThat(claims).as("the files it ran, claimed").isDirectoryContaining(p -> p.getFileName().toString().equals("0"))
                        .isDirectoryContaining(p -> p.getFileName().toString().equals("2"));
            } finally {
                worker.close();
            }
        }
    }

    @Test
    void cucumberLoadsItsSupportCodeOnceAndRunsJobAfterJob(@TempDir Path project) throws Exception {
        Adapter cucumber = Adapters.get("cucumber");
        Files.createDirectories(project.resolve("features/support"));
        Files.createDirectories(project.resolve("features/step_definitions"));
        Files.writeString(project.resolve("features/support/env.rb"), """
                File.open(File.expand_path("../../boots", __dir__), "a") { |f| f.puts Process.pid }
                """);
        Files.writeString(project.resolve("features/step_definitions/steps.rb"), """
                Given(/^(\\d+) and (\\d+)$/) { |a, b| @sum = a.to_i + b.to_i }
                Then(/^the sum is (\\d+)$/) { |sum| puts "pid #{Process.pid}"; expect_sum = sum.to_i; raise "got #{@sum}" unless @sum == expect_sum }
                """);
        Files.writeString(project.resolve("features/good.feature"), """
                Feature: Good
                  Scenario: adds
                    Given 2 and 2
                    Then the sum is 4
                  Scenario: adds again
                    Given 1 and 2
                    Then the sum is 3
                """);
        Files.writeString(project.resolve("features/bad.feature"), """
                Feature: Bad
                  Scenario: miscounts
                    Given 2 and 2
                    Then the sum is 5
                """);
        Files.writeString(project.resolve("features/dies.feature"), """
                Feature: Dies
                  Scenario: exits hard
                    Given 2 and 2
                    Then it exits
                """);
        Files.writeString(project.resolve("features/step_definitions/exit_steps.rb"), "Then(/^it exits$/) { $stdout.puts 'last words'; $stdout.flush; exit!(4) }\n");
        WarmWorker worker = start(cucumber, project, List.of());
        try {
            WarmWorker.Outcome good = worker.run(cucumber.workerJob(List.of("features/good.feature"), List.of(), project.resolve("g.json")));
            WarmWorker.Outcome bad = worker.run(cucumber.workerJob(List.of("features/bad.feature"), List.of(), project.resolve("b.json")));
            WarmWorker.Outcome both = worker.run(cucumber.workerJob(List.of("features/good.feature", "features/bad.feature"), List.of(), project.resolve("gb.json")));

            assertThat(good.status()).as(good.output()).isZero();
            assertThat(good.output()).contains("2 scenarios (2 passed)").contains("pid " + worker.process().pid());
            assertThat(bad.status()).isEqualTo(1);
            assertThat(bad.output()).contains("1 scenario (1 failed)").doesNotContain("2 passed");
            assertThat(both.status()).isEqualTo(1);
            assertThat(both.output()).contains("3 scenarios (1 failed, 2 passed)").doesNotContain("Ambiguous");
            assertThat(cucumber.readResults(project.resolve("g.json"), List.of("features/good.feature"), 0, List.of()).files().get(0).examples()).isEqualTo(2);
            assertThat(cucumber.readResults(project.resolve("gb.json"), List.of("features/good.feature", "features/bad.feature"), 1, List.of()).files())
                    .extracting(FileResult::examples, FileResult::failures)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(2, 0), org.assertj.core.groups.Tuple.tuple(1, 1));
            assertThat(lines(project.resolve("boots"))).as("features/support loaded once").hasSize(1);

            WarmWorker.Outcome dies = worker.run(cucumber.workerJob(List.of("features/dies.feature"), List.of(), project.resolve("d.json")));
            assertThat(dies.status()).as("it ended during the job").isNull();
            assertThat(dies.output()).contains("last words");
            assertThat(worker.process().waitFor()).isEqualTo(4);
        } finally {
            worker.close();
        }
    }

    @Test
    void junitRunsJobAfterJobInOneJvm(@TempDir Path project) throws Exception {
        Adapter junit = Adapters.get("junit");
        Path sources = Files.createDirectories(project.resolve("src/demo"));
        Path classes = Files.createDirectories(project.resolve("target/test-classes"));
        Files.writeString(sources.resolve("ATest.java"), """
                package demo;
                public class ATest {
                    static int runs;
                    @org.junit.jupiter.api.Test void counts() {
                        runs++;
                        System.out.println("A pid " + ProcessHandle.current().pid() + " runs " + runs + " prop " + System.getProperty("demo.prop"));
                    }
                }
                """);
        Files.writeString(sources.resolve("BTest.java"), """
                package demo;
                public class BTest {
                    @org.junit.jupiter.api.Test void fails() { org.junit.jupiter.api.Assertions.assertEquals(1, 2); }
                    @org.junit.jupiter.api.Test void passes() { }
                }
                """);
        Files.writeString(sources.resolve("ExitTest.java"), """
                package demo;
                public class ExitTest {
                    @org.junit.jupiter.api.Test void exits() { System.out.println("last words"); System.exit(5); }
                }
                """);
        List<String> options = List.of("--class-path", classes.toString(), "-J-Ddemo.prop=set");
        List<String> command = junit.workerCommand(project.resolve("tools"), options);
        String launcher = command.get(command.indexOf("-cp") + 1).split(":")[0];
        javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
        assertThat(javac.run(null, null, null, "-d", classes.toString(), "-cp", launcher,
                sources.resolve("ATest.java").toString(), sources.resolve("BTest.java").toString(), sources.resolve("ExitTest.java").toString())).isZero();
        assertThat(junit.workerCommand(project.resolve("tools"), List.of())).as("a spare has no classpath to boot with").isNull();

        WarmWorker worker = start(junit, project, options);
        try {
            String a = "target/test-classes/demo/ATest.class";
            String b = "target/test-classes/demo/BTest.class";
            WarmWorker.Outcome first = worker.run(junit.workerJob(List.of(a), options, project.resolve("results/1.json")));
            WarmWorker.Outcome second = worker.run(junit.workerJob(List.of(a, b), options, project.resolve("results/2.json")));

            assertThat(first.status()).as(first.output()).isZero();
            assertThat(first.output()).contains("A pid " + worker.process().pid() + " runs 1 prop set");
            assertThat(second.status()).isEqualTo(1);
            assertThat(second.output()).as("the same JVM, whose classes stayed loaded").contains("A pid " + worker.process().pid() + " runs 2");
            assertThat(junit.readResults(project.resolve("results/2.json"), List.of(a, b), 1, options).files())
                    .extracting(FileResult::examples, FileResult::failures)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(1, 0), org.assertj.core.groups.Tuple.tuple(2, 1));

            WarmWorker.Outcome exits = worker.run(junit.workerJob(List.of("target/test-classes/demo/ExitTest.class"), options, project.resolve("results/3.json")));
            assertThat(exits.status()).isNull();
            assertThat(exits.output()).contains("last words");
            assertThat(worker.process().waitFor()).isEqualTo(5);
        } finally {
            worker.close();
        }
    }
}
