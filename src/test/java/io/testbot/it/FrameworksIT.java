package io.testbot.it;

import io.testbot.adapters.SampleTests;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Test::Unit, minitest, Cucumber and any command through a server and two runners, each a separate process. */
class FrameworksIT extends Cluster {

    static Element suites(Path xml) throws Exception {
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        return doc.getDocumentElement();
    }

    @Test
    void testUnitAndMinitestFilesRunOnTheRunnersWithTheirOwnCounts() throws Exception {
        Path project = SampleTests.minitest(SampleTests.testUnit(Files.createDirectories(dir.resolve("app"))));
        SampleProjects.write(project, "test/env_test.rb", """
                require "minitest/autorun"
                class EnvTest < Minitest::Test
                  def test_runs_from_the_runners_copy
                    assert_equal 1, Dir.pwd.scan("/projects/").size, Dir.pwd
                  end
                end
                """);
        startServer();
        startRunner("r1", 1);
        startRunner("r2", 1);

        // Two files per job: Test::Unit and minitest files share processes.
        Path xml = dir.resolve("reports/test.xml");
        Result result = requestRemoteWith("test", project, "--files-per-job", "2", "--junit-xml", xml.toString());

        assertThat(result.exit()).as(result.all()).isEqualTo(1);
        // calc 5 + helper_free 1 (test-unit), small 4 + env 1 (minitest)
        assertThat(result.out()).contains("11 tests, 7 assertions, 2 failures, 2 errors, 3 skips")
                .contains("ruby -Ilib -Itest test/calc_test.rb -n test_fails # CalcTest#test_fails")
                .contains("ruby -Ilib -Itest test/small_test.rb -n test_err # SmallTest#test_err")
                .contains("2 job(s) on 2 runner(s)");
        Element report = suites(xml);
        assertThat(report.getAttribute("tests")).isEqualTo("11");
        assertThat(report.getAttribute("failures")).isEqualTo("2");
        assertThat(report.getAttribute("errors")).isEqualTo("2");
        assertThat(report.getAttribute("skipped")).isEqualTo("3");
    }

    /**
     * A test that uses a class another test file defines (liquid's render tag test, its standard filter test's
     * TestEnumerable) passes in the framework's one process, which loads every file first: each job loads the build's
     * other test files too, and runs only its own tests, in a warm worker, in a process of its own and on a runner.
     */
    @Test
    void aTestUsingAClassAnotherTestFileDefinesPassesAsInTheFrameworksOneProcess() throws Exception {
        Path project = Files.createDirectories(dir.resolve("app"));
        SampleProjects.write(project, "test/test_helper.rb", "require 'minitest/autorun'\n");
        SampleProjects.write(project, "test/a_enumerable_test.rb", """
                require 'test_helper'
                class TestEnumerable
                  include Enumerable
                  def each = [1, 2, 3].each { |i| yield i }
                end
                class ATest < Minitest::Test
                  def test_counts = assert_equal(3, TestEnumerable.new.count)
                end
                """);
        SampleProjects.write(project, "test/b_uses_test.rb", """
                require 'test_helper'
                class BTest < Minitest::Test
                  def test_uses_the_other_files_class = assert_equal(6, TestEnumerable.new.sum)
                  def test_plain = assert(true)
                end
                """);
        SampleProjects.write(project, "test/unit/c_test.rb", """
                require 'test/unit'
                class CHelper; def self.value = 7; end
                class CTest < Test::Unit::TestCase
                  def test_own = assert_equal(7, CHelper.value)
                end
                """);
        SampleProjects.write(project, "test/unit/d_test.rb", """
                require 'test/unit'
                class DTest < Test::Unit::TestCase
                  def test_uses_c = assert_equal(7, CHelper.value)
                end
                """);
        // One that ends the process as it loads (a suite's guard for a platform it does not test, say) ends its own job
        // only, not the worker that loads it for the others, nor their jobs.
        SampleProjects.write(project, "test/zz_exits_test.rb", "require 'test_helper'\nexit 0 unless ENV['NEVER_SET']\n");
        Result alone = FidelityIT.alone(project, Map.of(), "ruby", "-Ilib", "-Itest", "test/b_uses_test.rb");
        assertThat(alone.exit()).as("alone, the file fails: %s", alone.out()).isNotZero();

        startServer();
        startRunner("r1", 2);
        for (Result result : java.util.List.of(requestWith("test", project, Map.of(), "--instances", "2", "--files-per-job", "1"),
                requestWith("test", project, Map.of(), "--instances", "2", "--files-per-job", "1", "--no-warm"),
                requestRemoteWith("test", project, "--files-per-job", "1"))) {
            assertThat(result.exit()).as(result.all()).isZero();
            // Each test once: a job runs its own files' tests, not those of the files it loads beside them.
            assertThat(result.out()).as(result.all()).contains("5 tests, 5 assertions, 0 failures, 0 errors, 0 skips");
        }
    }

    /**
     * I18n reads its locale files the first time anything is translated: the worker does that once, after the
     * helper, so that no job's fork reads them again; each job finds them loaded, as all but the first test of a
     * suite's one process do. Without a worker (--no-warm) each job loads them itself, as alone.
     */
    @Test
    void theTestWorkerLoadsTranslationsOnceForEveryJob() throws Exception {
        Path project = Files.createDirectories(dir.resolve("app"));
        SampleProjects.write(project, "config/locales/en.yml", "en:\n  greeting: Hello\n");
        SampleProjects.write(project, "test/test_helper.rb", """
                require "minitest/autorun"
                require "i18n"
                I18n.load_path << File.expand_path("../config/locales/en.yml", __dir__)
                """);
        for (int i = 1; i <= 2; i++) {
            SampleProjects.write(project, "test/t" + i + "_test.rb", """
                    require "test_helper"
                    class T%dTest < Minitest::Test
                      def test_greets
                        puts "loaded before the test: #{I18n.backend.initialized?}"
                        assert_equal "Hello", I18n.t(:greeting)
                      end
                    end
                    """.formatted(i));
        }
        Result warm = requestWith("test", project, Map.of(), "-n", "2", "--files-per-job", "1");
        assertThat(warm.exit()).as(warm.all()).isZero();
        assertThat(count(warm.out(), "loaded before the test: true")).as(warm.out()).isEqualTo(2);

        Result cold = requestWith("test", project, Map.of(), "-n", "2", "--files-per-job", "1", "--no-warm");
        assertThat(cold.exit()).as(cold.all()).isZero();
        assertThat(count(cold.out(), "loaded before the test: false")).as(cold.out()).isEqualTo(2);
    }

    @Test
    void aSlowMinitestFileIsSplitByTestAcrossInstancesAndEachTestRunsOnce() throws Exception {
        Path project = Files.createDirectories(dir.resolve("app"));
        minitestWithHelper(project, dir.resolve("boots.txt"));
        SampleProjects.write(project, "test/big_test.rb", """
                require "test_helper"
                class BigTest < Minitest::Test
                  10.times { |i| define_method("test_#{i}") { assert_equal 42, Calc.answer } }
                  def test_fails; assert_equal 41, Calc.answer; end
                end
                """);
        Files.createDirectories(dir.resolve("server-data"));
        try (io.testbot.store.SqliteStore store = new io.testbot.store.SqliteStore(dir.resolve("server-data/testbot.sqlite"))) {
            store.recordRuntimes(io.testbot.requester.Requester.projectKey(project), "test", Map.of("test/big_test.rb", 100.0,
                    "test/t1_test.rb", 1.0, "test/t2_test.rb", 1.0, "test/t3_test.rb", 1.0, "test/t4_test.rb", 1.0), java.time.Instant.now());
        }
        startServer();
        startRunner("r1", 2);

        Result result = requestRemoteWith("test", project);

        assertThat(result.exit()).as(result.all()).isEqualTo(1);
        assertThat(result.err()).contains("split 1 slow file(s) into 4 parts");
        assertThat(result.out()).contains("test/big_test.rb: part 4 of 4 of its tests")
                .contains("15 tests, 15 assertions, 1 failures, 0 errors, 0 skips")
                .contains("ruby -Ilib -Itest test/big_test.rb -n test_fails # BigTest#test_fails")
                .doesNotContain("have no result").doesNotContain("more than one result");
    }

    @Test
    void aJobThatHangsItsTestWorkerIsStoppedAndTheNextJobsRunInAFreshOne() throws Exception {
        Path project = Files.createDirectories(dir.resolve("app"));
        SampleProjects.write(project, "test/test_helper.rb", "require \"minitest/autorun\"\n");
        // The largest file goes first: it hangs until the job's timeout stops its worker.
        SampleProjects.write(project, "test/hang_test.rb", """
                require "test_helper"
                # A long comment, so that this file is the largest and its job the first.
                # .................................................................................................
                class HangTest < Minitest::Test
                  def test_hangs; puts "hang in worker #{Process.ppid}"; $stdout.flush; sleep 120; end
                end
                """);
        for (String name : new String[]{"a", "b"}) {
            SampleProjects.write(project, "test/" + name + "_test.rb", """
                    require "test_helper"
                    class %sTest < Minitest::Test
                      def test_passes; puts "%s in worker #{Process.ppid}"; assert true; end
                    end
                    """.formatted(name.toUpperCase(), name));
        }
        startServer();
        startRunner("r1", 1);

        Result result = requestRemoteWith("test", project, "--files-per-job", "1", "--job-timeout", "5");

        assertThat(result.exit()).as(result.all()).isEqualTo(1);
        assertThat(result.out()).contains("job stopped after 5 s (job timeout)").contains("2 tests, 2 assertions, 0 failures, 0 errors, 0 skips");
        java.util.regex.Matcher workers = java.util.regex.Pattern.compile("(hang|a|b) in worker ([0-9]+)").matcher(result.out());
        Map<String, String> workerOf = new java.util.HashMap<>();
        while (workers.find()) workerOf.put(workers.group(1), workers.group(2));
        assertThat(workerOf).containsKeys("hang", "a", "b");
        assertThat(workerOf.get("a")).as("one fresh worker after the stopped one").isEqualTo(workerOf.get("b")).isNotEqualTo(workerOf.get("hang"));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    /** The pids in the lines of text that say "WORD PID". */
    private static java.util.Set<String> pids(String word, String text) {
        java.util.Set<String> pids = new java.util.TreeSet<>();
        java.util.regex.Matcher found = java.util.regex.Pattern.compile(word + " ([0-9]+)").matcher(text);
        while (found.find()) pids.add(found.group(1));
        return pids;
    }

    @Test
    void aRunnerBootsTheTestHelperAheadOfTheNextBuildWhichTakesItOnlyIfItChangedNothingTheBootLoaded() throws Exception {
        Path project = Files.createDirectories(dir.resolve("app"));
        Path boots = dir.resolve("boots.log");
        // Named as rack names its tests, found by the user's --pattern: a changed one is a test file of the build (not
        // by the framework's own patterns), and the workers booted ahead take it.
        minitestWithHelper(project, boots, "test/spec_t%d.rb");
        startServer();
        Proc runner = startRunner("r1", 2);
        Result second = bootsAhead((command, args) -> requestRemoteWith(command, project, with(args, "--pattern", "test/**/spec_*.rb")),
                () -> runner.out() + runner.err(),
                "test", project, boots, "test/spec_t1.rb", "4 tests, 4 assertions, 0 failures", "4 tests, 4 assertions, 4 failures");
        assertThat(second.out().split("helper says hi", -1)).as(second.out()).hasSize(3); // once per worker booted ahead
    }

    @Test
    void localModeKeptWarmBootsTheHelperAheadOfTheNextRunInPlaceAndEndsWhenTheEnvironmentChangesOrWhenStopped() throws Exception {
        Path project = Files.createDirectories(dir.resolve("app"));
        Path boots = dir.resolve("boots.log");
        minitestWithHelper(project, boots);
        Path home = Files.createDirectories(dir.resolve("home-kept"));
        Map<String, String> env = Map.of("HOME", home.toString(), "XDG_CACHE_HOME", home.resolve(".cache").toString());
        Path log = keptWarmDir(home, project).resolve("log");
        try {
            Result second = bootsAhead((command, args) -> requestWith(command, project, env, with(args, "--keep-warm", "-n", "2")),
                    () -> read(log), "test", project, boots, "test/t1_test.rb", "4 tests, 4 assertions, 0 failures", "4 tests, 4 assertions, 4 failures");
            assertThat(second.err()).contains("local mode on 2 instance(s), kept warm");
            // In place: the tests ran in the project itself, not in a copy.
            assertThat(read(log)).contains("booting a test worker ahead of the next build in " + project.toRealPath());

            Result status = requestWith("local", project, env, "status");
            assertThat(status.out()).contains(project.toString() + "  pid ");
            long pid = Long.parseLong(status.out().replaceAll("(?s).*  pid ([0-9]+),.*", "$1"));

            // Another environment: the builds would not see it there; that one ends and another starts.
            Map<String, String> other = new java.util.HashMap<>(env);
            other.put("ANSWER_NOTE", "changed");
            SampleProjects.write(project, "lib/calc.rb", "module Calc; def self.answer; 42; end; end\n");
            Result moved = requestWith("test", project, other, "--keep-warm", "-n", "2");
            assertThat(moved.exit()).as(moved.all()).isZero();
            assertThat(moved.err()).contains("the environment differs (ANSWER_NOTE)");
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            // The one that run started runs the next builds in its environment, and in the project.
            SampleProjects.write(project, "test/t5_test.rb", """
                    require "test_helper"
                    class T5Test < Minitest::Test
                      def test_environment; puts "note=#{ENV['ANSWER_NOTE']} pwd=#{ENV['PWD']}"; assert true; end
                    end
                    """);
            Result through = requestWith("test", project, other, "--keep-warm", "-n", "2");
            assertThat(through.exit()).as(through.all()).isZero();
            assertThat(through.err()).contains("kept warm (pid");
            assertThat(through.out()).contains("note=changed pwd=" + project);

            Result stop = requestWith("local", project, other, "stop");
            assertThat(stop.exit()).as(stop.all()).isZero();
            assertThat(requestWith("local", project, other, "status").out()).contains("no local mode is kept warm");
            assertThat(requestWith("local", project, other, "stop").exit()).isEqualTo(1);
        } finally {
            requestWith("local", project, env, "stop", "--all");
        }
    }

    /**
     * Kept warm, the project changes between runs under the workers booted ahead: a library the test helper loads is
     * edited. They end, without their at_exit hooks (they ran nothing), and others boot on the edited project before
     * the next run, which takes them and sees the edit.
     */
    @Test
    void localModeKeptWarmBootsItsWorkersAheadAgainWhenALibraryTheirBootLoadedChanges() throws Exception {
        Path project = Files.createDirectories(dir.resolve("app"));
        Path boots = dir.resolve("boots.log");
        // An at_exit hook, as a coverage report's: rspec's workers run it when they end after their jobs.
        rspecWithHelper(project, boots, "at_exit { File.open(%s, \"a\") { |log| log.puts \"at_exit #{Process.pid}\" } }\n"
                .formatted("\"" + boots + "\""));
        Path home = Files.createDirectories(dir.resolve("home-watch"));
        Map<String, String> env = Map.of("HOME", home.toString(), "XDG_CACHE_HOME", home.resolve(".cache").toString());
        Path log = keptWarmDir(home, project).resolve("log");
        try {
            Result first = requestWith("rspec", project, env, "--keep-warm", "-n", "2", "--files-per-job", "1");
            assertThat(first.exit()).as(first.all()).isZero();
            java.util.Set<String> seen = pids("boot", Files.readString(boots));
            assertThat(pids("at_exit", Files.readString(boots))).as("the first run's workers ran their at_exit hooks").isNotEmpty();
            java.util.Set<String> ahead = awaitBootsAhead(boots, seen);

            SampleProjects.write(project, "lib/calc.rb", "module Calc; def self.answer; 43; end; end\n");
            seen.addAll(ahead);
            java.util.Set<String> again = awaitBootsAhead(boots, seen);
            assertThat(read(log)).contains("the project changed under the workers booted ahead").contains("lib/calc.rb changed");
            for (String pid : ahead) {
                Awaitility.await("worker " + pid + " ends").atMost(START)
                        .until(() -> ProcessHandle.of(Long.parseLong(pid)).map(p -> !p.isAlive()).orElse(true));
            }
            assertThat(pids("at_exit", Files.readString(boots))).as("workers booted ahead that ran nothing ran no at_exit hook")
                    .doesNotContainAnyElementsOf(ahead);

            Result edited = requestWith("rspec", project, env, "--keep-warm", "-n", "2", "--files-per-job", "1");
            assertThat(edited.exit()).as(edited.all()).isEqualTo(1);
            assertThat(edited.out()).contains("4 examples, 4 failures").contains("43");
            assertThat(pids("job in", edited.out())).as(() -> edited.out() + "\nlog:\n" + read(log)).isNotEmpty().isSubsetOf(again);
        } finally {
            requestWith("local", project, env, "stop", "--all");
        }
    }

    private static String[] with(String[] args, String... more) {
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(args));
        all.addAll(java.util.List.of(more));
        return all.toArray(String[]::new);
    }

    /** Where local mode kept warm keeps its files for the project, with this HOME (see KeptWarm.dir). */
    private static Path keptWarmDir(Path home, Path project) {
        return io.testbot.requester.KeptWarm.dir(home.resolve(".cache/testbot"), project.toAbsolutePath().normalize());
    }

    /** Four minitest files whose helper loads lib/calc.rb, notes "boot PID" in boots and prints without a newline. */
    private static void minitestWithHelper(Path project, Path boots) throws java.io.IOException {
        minitestWithHelper(project, boots, "test/t%d_test.rb");
    }

    /** @param names the test files' paths, with %d for 1 to 4 */
    private static void minitestWithHelper(Path project, Path boots, String names) throws java.io.IOException {
        SampleProjects.write(project, "lib/calc.rb", "module Calc; def self.answer; 42; end; end\n");
        // What the helper prints, without a newline, goes to its worker's first job, booted ahead or not.
        SampleProjects.write(project, "test/test_helper.rb", """
                require "minitest/autorun"
                require_relative "../lib/calc"
                File.open(%s, "a") { |log| log.puts "boot #{Process.pid}" }
                $stdout.print "helper says hi"
                """.formatted("\"" + boots + "\""));
        for (int i = 1; i <= 4; i++) {
            SampleProjects.write(project, names.formatted(i), """
                    require "test_helper"
                    class T%dTest < Minitest::Test
                      def test_answer; puts "job in #{Process.ppid}"; assert_equal 42, Calc.answer; end
                    end
                    """.formatted(i));
        }
    }

    @Test
    void aRunnerLoadsCucumbersSupportCodeAheadOfTheNextBuildWhichTakesItOnlyIfItChangedNothingTheBootLoaded() throws Exception {
        Path project = Files.createDirectories(dir.resolve("app"));
        Path boots = dir.resolve("boots.log");
        SampleProjects.write(project, "lib/calc.rb", "module Calc; def self.answer; 42; end; end\n");
        SampleProjects.write(project, "features/support/env.rb", """
                require_relative "../../lib/calc"
                File.open(%s, "a") { |log| log.puts "boot #{Process.pid}" }
                """.formatted("\"" + boots + "\""));
        SampleProjects.write(project, "features/step_definitions/steps.rb", """
                Then(/^the answer is 42$/) { $stdout.puts "job in #{Process.pid}"; raise "got #{Calc.answer}" unless Calc.answer == 42 }
                """);
        for (int i = 1; i <= 4; i++) {
            SampleProjects.write(project, "features/f" + i + ".feature", "Feature: F" + i + "\n  Scenario: s" + i + "\n    Then the answer is 42\n");
        }
        startServer();
        Proc runner = startRunner("r1", 2);
        bootsAhead((command, args) -> requestRemoteWith(command, project, args), () -> runner.out() + runner.err(), "cucumber", project, boots, "features/f1.feature", "4 scenarios (4 passed)", "4 scenarios (4 failed)");
    }

    @Test
    void aRunnerLoadsTheSpecHelpersAheadOfTheNextBuildWhichTakesThemOnlyIfItChangedNothingTheBootLoaded() throws Exception {
        Path project = Files.createDirectories(dir.resolve("app"));
        Path boots = dir.resolve("boots.log");
        rspecWithHelper(project, boots, "");
        startServer();
        Proc runner = startRunner("r1", 2);
        bootsAhead((command, args) -> requestRemoteWith(command, project, args), () -> runner.out() + runner.err(), "rspec", project, boots, "spec/s1_spec.rb", "4 examples, 0 failures", "4 examples, 4 failures");
    }

    /**
     * Four spec files that require spec/app_helper.rb (as rails_helper), which loads lib/calc.rb, notes "boot PID" in
     * boots and then runs more (an at_exit hook, say); each example says "job in PID" of its worker and checks that
     * Calc.answer is 42.
     */
    private static void rspecWithHelper(Path project, Path boots, String more) throws java.io.IOException {
        SampleProjects.write(project, "lib/calc.rb", "module Calc; def self.answer; 42; end; end\n");
        SampleProjects.write(project, ".rspec", "--require spec_helper\n");
        SampleProjects.write(project, "spec/spec_helper.rb", "RSpec.configure { |c| c.order = :defined }\n");
        // What every spec file requires, as rails_helper: loaded ahead with the helper .rspec names.
        SampleProjects.write(project, "spec/app_helper.rb", """
                require_relative "../lib/calc"
                File.open(%s, "a") { |log| log.puts "boot #{Process.pid}" }
                """.formatted("\"" + boots + "\"") + more);
        for (int i = 1; i <= 4; i++) {
            SampleProjects.write(project, "spec/s" + i + "_spec.rb", """
                    require "app_helper"
                    RSpec.describe "S%d" do
                      it("answers") { $stdout.puts "job in #{Process.pid}"; expect(Calc.answer).to eq(42) }
                    end
                    """.formatted(i));
        }
    }

    /** Runs a requester command with these arguments and waits for it. */
    interface Requesting {
        Result run(String command, String... args) throws Exception;
    }

    /**
     * Three builds of the project on a runner of two instances (a farm's, or local mode kept warm), whose boot (a helper, support code) loads
     * lib/calc.rb and notes "boot PID" in the boots file, and whose tests say "job in PID" of the worker and check
     * that Calc.answer is 42: a first build; once the runner has booted ahead, a build with only a test file changed,
     * which runs in the workers booted ahead (returned); then a build with lib/calc.rb changed to answer 43, which
     * must not.
     */
    private Result bootsAhead(Requesting requester, java.util.function.Supplier<String> runnerLog, String command, Path project, Path boots,
                              String testFile, String passed, String failed) throws Exception {
        Result first = requester.run(command, "--files-per-job", "1");
        assertThat(first.exit()).as(first.all()).isZero();
        java.util.Set<String> seen = new java.util.TreeSet<>(pids("job in", first.out()));
        // Once the build is over, each instance's worker boots again, helper and all, ahead of the next build.
        java.util.Set<String> ahead = awaitBootsAhead(boots, seen);

        // Only a test file changed: the build's jobs run in the workers booted ahead.
        SampleProjects.write(project, testFile, Files.readString(project.resolve(testFile)) + "# changed\n");
        Result second = requester.run(command, "--files-per-job", "1");
        assertThat(second.exit()).as(second.all()).isZero();
        assertThat(second.out()).contains(passed);
        assertThat(pids("job in", second.out())).as(() -> second.out() + "\nboots:\n" + read(boots) + "\nrunner:\n" + runnerLog.get())
                .isNotEmpty().isSubsetOf(ahead);

        // The library the boot loaded changed: workers booted ahead on the old one would pass; the build boots anew.
        seen.addAll(ahead);
        java.util.Set<String> aheadAgain = awaitBootsAhead(boots, seen);
        SampleProjects.write(project, "lib/calc.rb", "module Calc; def self.answer; 43; end; end\n");
        Result third = requester.run(command, "--files-per-job", "1");
        assertThat(third.exit()).as(third.all()).isEqualTo(1);
        assertThat(third.out()).contains(failed).contains("43");
        assertThat(pids("job in", third.out())).as(third.out()).isNotEmpty().doesNotContainAnyElementsOf(aheadAgain);
        return second;
    }

    /** Waits for two boots by processes other than these (one per instance), and returns their pids. */
    private static java.util.Set<String> awaitBootsAhead(Path boots, java.util.Set<String> except) {
        java.util.Set<String> ahead = new java.util.TreeSet<>();
        Awaitility.await("workers booted ahead").atMost(START).until(() -> {
            ahead.clear();
            ahead.addAll(pids("boot", Files.readString(boots)));
            ahead.removeAll(except);
            return ahead.size() == 2;
        });
        return ahead;
    }

    @Test
    void aTestThatEndsItsJvmCostsItsJobAndTheNextJobsGetAFreshJvm() throws Exception {
        StringBuilder padding = new StringBuilder();
        for (int i = 0; i < 40; i++) padding.append("    @Test void pads").append(i).append("() { }\n");
        Path project = mavenProject(Files.createDirectories(dir.resolve("app")), JUPITER, Map.of(
                "ExitTest", """
                        package demo;
                        import org.junit.jupiter.api.Test;
                        class ExitTest {
                            @Test void exits() { System.out.println("exit in jvm " + ProcessHandle.current().pid()); System.exit(3); }
                        %s}
                        """.formatted(padding),
                "ATest", """
                        package demo;
                        import org.junit.jupiter.api.Test;
                        class ATest { @Test void works() { System.out.println("a in jvm " + ProcessHandle.current().pid()); } }
                        """,
                "BTest", """
                        package demo;
                        import org.junit.jupiter.api.Test;
                        class BTest { @Test void works() { System.out.println("b in jvm " + ProcessHandle.current().pid()); } }
                        """));
        startServer();
        startRunner("r1", 1);
        Map<String, String> env = Map.of("TESTBOT_TOKEN", token, "MAVEN_OPTS", "-Dmaven.repo.local=" + mavenRepo());

        Result result = requestWith("junit", project, env, "--connect", address(), "--files-per-job", "1");

        assertThat(result.exit()).as(result.all()).isEqualTo(1);
        java.util.regex.Matcher jvms = java.util.regex.Pattern.compile("(exit|a|b) in jvm ([0-9]+)").matcher(result.out());
        Map<String, String> jvmOf = new java.util.HashMap<>();
        while (jvms.find()) jvmOf.put(jvms.group(1), jvms.group(2));
        assertThat(jvmOf).as(result.out()).containsKeys("exit", "a", "b");
        assertThat(jvmOf.get("a")).as("one JVM for both jobs after the one that ended").isEqualTo(jvmOf.get("b")).isNotEqualTo(jvmOf.get("exit"));
        assertThat(result.out()).contains("Tests run: 2, Failures: 0, Errors: 0, Skipped: 0");
    }

    @Test
    void aRunnerWithMoreInstancesThanJvmsRunsJunitJobsInAtMostThatManyJvmsEachWithItsOwnNumber() throws Exception {
        Map<String, String> tests = new java.util.TreeMap<>();
        for (int i = 1; i <= 8; i++) {
            tests.put("Job" + i + "Test", """
                    package demo;
                    import org.junit.jupiter.api.Test;
                    class Job%dTest { @Test void runs() {
                      System.out.println("class %d in jvm " + ProcessHandle.current().pid() + " env [" + System.getenv("TEST_ENV_NUMBER") + "]"); } }
                    """.formatted(i, i));
        }
        Path project = mavenProject(Files.createDirectories(dir.resolve("app")), JUPITER, tests);
        startServer();
        startRunner("r1", 4, "--jvms", "2");
        Map<String, String> env = Map.of("TESTBOT_TOKEN", token, "MAVEN_OPTS", "-Dmaven.repo.local=" + mavenRepo());

        Result result = requestWith("junit", project, env, "--connect", address(), "--files-per-job", "1");

        assertThat(result.exit()).as(result.all()).isZero();
        assertThat(result.out()).contains("Tests run: 8, Failures: 0, Errors: 0, Skipped: 0");
        java.util.regex.Matcher ran = java.util.regex.Pattern.compile("class ([0-9]) in jvm ([0-9]+) env \\[([0-9]*)\\]").matcher(result.out());
        Map<String, String> jvmOfClass = new java.util.HashMap<>();
        Map<String, java.util.Set<String>> numbersOfJvm = new java.util.HashMap<>();
        while (ran.find()) {
            jvmOfClass.put(ran.group(1), ran.group(2));
            numbersOfJvm.computeIfAbsent(ran.group(2), jvm -> new java.util.TreeSet<>()).add(ran.group(3));
        }
        assertThat(jvmOfClass).as(result.out()).hasSize(8);
        // Four instances, two JVMs at most: each JVM with one TEST_ENV_NUMBER, none shared by two of them.
        assertThat(numbersOfJvm).as(result.out()).hasSizeBetween(1, 2).allSatisfy((jvm, numbers) -> assertThat(numbers).hasSize(1));
        assertThat(numbersOfJvm.values().stream().map(numbers -> numbers.iterator().next()).distinct().count()).isEqualTo(numbersOfJvm.size());
        assertThat(numbersOfJvm.values().stream().flatMap(java.util.Set::stream)).allMatch(number -> number.isEmpty() || number.equals("2"));
        assertThat(result.out()).doesNotContain("TEST_ENV_NUMBER=3").doesNotContain("TEST_ENV_NUMBER=4");
    }

    @Test
    void aJunitJobWaitingForAJvmWhenItsBuildIsCancelledNeverStarts() throws Exception {
        Path markers = Files.createDirectories(dir.resolve("markers"));
        Map<String, String> tests = new java.util.TreeMap<>();
        for (String name : java.util.List.of("ATest", "BTest")) {
            tests.put(name, """
                    package demo;
                    import org.junit.jupiter.api.Test;
                    class %s { @Test void blocks() throws Exception {
                      java.nio.file.Files.writeString(java.nio.file.Path.of("%s", "%s-started"), "");
                      Thread.sleep(300_000); } }
                    """.formatted(name, markers, name));
        }
        Path project = mavenProject(Files.createDirectories(dir.resolve("app")), JUPITER, tests);
        startServer();
        Proc runner = startRunner("r1", 2, "--jvms", "1");
        Map<String, String> env = Map.of("TESTBOT_TOKEN", token, "MAVEN_OPTS", "-Dmaven.repo.local=" + mavenRepo());
        Proc requester = start("requester", project, env, "junit", "--connect", address(), "--files-per-job", "1");

        // One job runs in the runner's one JVM; the other is the runner's too (both instances busy) and waits for that JVM.
        Awaitility.await("a test running").atMost(BUILD).until(() -> started(markers) == 1);
        Awaitility.await("both jobs on the runner").atMost(START).until(() -> http("GET", "/runners", null, token).body().contains("\"busy\":2"));
        Proc cancel = start("cancel", dir, Map.of("TESTBOT_TOKEN", token), "cancel", "1", "--connect", address());
        assertThat(cancel.awaitExit(START)).as(cancel.describe()).isZero();
        assertThat(requester.awaitExit(BUILD)).as(requester.describe()).isEqualTo(1);

        // The waiting job is over on the runner without having started a test, though the JVM it waited for ended.
        runner.await(java.util.regex.Pattern.compile("cancelled before it started"), START);
        assertThat(started(markers)).as(runner.describe()).isEqualTo(1);
    }

    private static long started(Path markers) throws java.io.IOException {
        try (var files = Files.list(markers)) {
            return files.count();
        }
    }

    @Test
    void cucumberFeaturesRunOnTheRunnersWithCucumbersCountsAndReRunLines() throws Exception {
        Path project = SampleTests.cucumber(Files.createDirectories(dir.resolve("app")));
        startServer();
        startRunner("r1", 2);

        Path json = dir.resolve("build.json");
        Result result = requestRemoteWith("cucumber", project, "--files-per-job", "1", "--json", json.toString());

        assertThat(result.exit()).as(result.all()).isEqualTo(1);
        assertThat(result.out()).contains("6 scenarios (1 failed, 1 undefined, 1 pending, 3 passed)\n17 steps (1 failed, 1 skipped, 1 undefined, 1 pending, 13 passed)")
                .contains("Failed scenarios:").contains("cucumber features/calc.feature:9 # Scenario: wrong");
        var report = io.testbot.protocol.Json.MAPPER.readTree(json.toFile());
        assertThat(report.path("build").path("adapter").asText()).isEqualTo("cucumber");
        assertThat(report.path("jobs")).hasSize(2);
        assertThat(report.path("failures")).singleElement().satisfies(f -> assertThat(f.path("rerun").asText()).isEqualTo("cucumber features/calc.feature:9"));
    }

    @Test
    void anyCommandRunsOnEachJobsFilesAndPassesOrFailsByItsExitStatus() throws Exception {
        Path project = Files.createDirectories(dir.resolve("app"));
        for (int i = 1; i <= 4; i++) SampleProjects.write(project, "checks/c" + i + ".sh", "echo \"check " + i + " env=[$TEST_ENV_NUMBER]\"\n");
        startServer();
        startRunner("r1", 2);

        Result ok = requestRemoteWith("run", project, "--pattern", "checks/*.sh", "--command", "for f in {files}; do sh \"$f\" || exit; done",
                "--files-per-job", "2");
        assertThat(ok.exit()).as(ok.all()).isZero();
        assertThat(ok.out()).contains("4 files, 0 failed").contains("check 1 env=[").contains("check 4 env=[");

        SampleProjects.write(project, "checks/c5.sh", "echo failing; exit 3\n");
        Path xml = dir.resolve("run.xml");
        Result failed = requestRemoteWith("run", project, "--pattern", "checks/*.sh", "--command", "for f in {files}; do sh \"$f\" || exit; done",
                "--files-per-job", "1", "--junit-xml", xml.toString());
        assertThat(failed.exit()).as(failed.all()).isEqualTo(1);
        assertThat(failed.out()).contains("5 files, 1 failed").contains("Failed files:")
                .contains("for f in checks/c5.sh; do sh \"$f\" || exit; done # in a job of 1 file(s) that exited with status 3");
        assertThat(suites(xml).getAttribute("failures")).isEqualTo("1");

        Result usage = requestWith("run", project, Map.of(), "--local", "--pattern", "checks/*.sh");
        assertThat(usage.exit()).isEqualTo(2);
        assertThat(usage.err()).contains("run needs --command");
    }

    /** The Maven repository this build uses, so that the sample projects' builds find what it has downloaded. */
    static String mavenRepo() {
        return System.getProperty("maven.repo.local", Path.of(System.getProperty("user.home"), ".m2", "repository").toString());
    }

    /** Writes a Maven project with the given test dependency and test sources, and compiles it with Maven. */
    static Path mavenProject(Path root, String dependency, Map<String, String> tests, String... extraGoals) throws Exception {
        SampleProjects.write(root, "pom.xml", """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>demo</groupId><artifactId>sample</artifactId><version>1</version>
                  <properties><maven.compiler.release>17</maven.compiler.release><project.build.sourceEncoding>UTF-8</project.build.sourceEncoding></properties>
                  <dependencies>%s</dependencies>
                  <build><plugins>
                    <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
                    <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
                    <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version></plugin>
                  </plugins></build>
                </project>
                """.formatted(dependency));
        SampleProjects.write(root, "src/main/java/demo/Calc.java", "package demo;\npublic class Calc { public static int add(int a, int b) { return a + b; } }\n");
        for (Map.Entry<String, String> test : tests.entrySet()) SampleProjects.write(root, "src/test/java/demo/" + test.getKey() + ".java", test.getValue());
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("mvn", "-B", "-q", "-Dmaven.repo.local=" + mavenRepo(), "test-compile"));
        command.addAll(java.util.List.of(extraGoals));
        Process mvn = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).start();
        String output = new String(mvn.getInputStream().readAllBytes());
        assertThat(mvn.waitFor()).as(output).isZero();
        return root;
    }

    static final String JUPITER = "<dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter</artifactId><version>5.14.1</version><scope>test</scope></dependency>";
    static final String JUNIT4 = "<dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.13.2</version><scope>test</scope></dependency>";

    @Test
    void junitTestClassesOfAMavenProjectRunOnTheRunnersAndTheirJarsTravelOnce() throws Exception {
        Path project = mavenProject(Files.createDirectories(dir.resolve("app")), JUPITER, Map.of(
                "CalcTest", """
                        package demo;
                        import org.junit.jupiter.api.*;
                        import static org.junit.jupiter.api.Assertions.*;
                        class CalcTest {
                          @Test void adds() { assertEquals(3, Calc.add(1, 2)); }
                          @Test void fails() { assertEquals(4, Calc.add(1, 2)); }
                          @Test void errors() { throw new IllegalStateException("boom"); }
                          @Disabled("later") @Test void skipped() { }
                          @Nested class Inner { @Test void nested() { assertTrue(true); } }
                        }
                        """,
                "OtherTest", """
                        package demo;
                        import org.junit.jupiter.api.Test;
                        import static org.junit.jupiter.api.Assertions.*;
                        class OtherTest { @Test void works() { assertTrue(System.getProperty("user.dir").contains("/projects/")); } }
                        """));
        startServer();
        startRunner("r1", 2);
        Map<String, String> env = Map.of("TESTBOT_TOKEN", token, "MAVEN_OPTS", "-Dmaven.repo.local=" + mavenRepo());

        Path xml = dir.resolve("junit.xml");
        Result first = requestWith("junit", project, env, "--connect", address(), "--junit-xml", xml.toString());

        assertThat(first.exit()).as(first.all()).isEqualTo(1);
        assertThat(first.err()).contains("resolving the test classpath");
        assertThat(first.out()).contains("Tests run: 6, Failures: 1, Errors: 1, Skipped: 1")
                .contains("mvn test -Dtest=CalcTest#fails # demo.CalcTest.fails()").contains("mvn test -Dtest=CalcTest#errors");
        Element report = suites(xml);
        assertThat(report.getAttribute("tests")).isEqualTo("6");
        assertThat(report.getAttribute("failures")).isEqualTo("1");
        assertThat(report.getAttribute("errors")).isEqualTo("1");
        assertThat(report.getAttribute("skipped")).isEqualTo("1");
        try (var copies = Files.list(dir.resolve("r1/projects"))) {
            Path copy = copies.findFirst().orElseThrow();
            try (var jars = Files.walk(copy.resolve(".testbot-classpath"))) {
                assertThat(jars.filter(p -> p.getFileName().toString().startsWith("junit-jupiter-api-")).count()).isEqualTo(1);
            }
        }

        // Nothing changed: the classpath is not resolved again, and not one file, jar or class, moves.
        Result second = requestWith("junit", project, env, "--connect", address(), "--retry-failed", "1");
        assertThat(second.err()).doesNotContain("resolving the test classpath").contains("uploaded 0 file(s)");
        assertThat(second.out()).contains("re-run 1 of failing tests").contains("mvn test -Dtest=CalcTest#errors,CalcTest#fails")
                .contains("Tests run: 6, Failures: 1, Errors: 1, Skipped: 1");

        // pom.xml touched (a checkout, an editor's save) with the same dependencies: Maven runs once more, not for
        // every build from then on (its plugin leaves an unchanged classpath file as it was).
        Files.setLastModifiedTime(project.resolve("pom.xml"), java.nio.file.attribute.FileTime.from(java.time.Instant.now()));
        Result touched = requestWith("junit", project, env, "--connect", address());
        assertThat(touched.err()).as(touched.all()).contains("resolving the test classpath");
        Result after = requestWith("junit", project, env, "--connect", address());
        assertThat(after.err()).as(after.all()).doesNotContain("resolving the test classpath");
        assertThat(after.out()).contains("Tests run: 6, Failures: 1, Errors: 1, Skipped: 1");
    }

    @Test
    void junit4TestsRunThroughTheVintageEngine() throws Exception {
        Path project = mavenProject(Files.createDirectories(dir.resolve("app")), JUNIT4, Map.of(
                "LegacyTest", """
                        package demo;
                        import org.junit.*;
                        import static org.junit.Assert.*;
                        public class LegacyTest {
                          @Test public void adds() { assertEquals(3, Calc.add(1, 2)); }
                          @Test public void fails() { assertEquals(4, Calc.add(1, 2)); }
                          @Ignore("later") @Test public void ignored() { }
                        }
                        """), "dependency:build-classpath", "-Dmdep.outputFile=target/cp.txt", "-Dmdep.includeScope=test");
        // The runner's JAVA_HOME runs the tests: here a java that says so before it starts the real one.
        Path javaHome = Files.createDirectories(dir.resolve("jdk/bin"));
        SampleProjects.write(dir.resolve("jdk"), "bin/java", "#!/bin/sh\necho \"tests on the runner's JAVA_HOME\"\nexec " + javaBinary() + " \"$@\"\n");
        javaHome.resolve("java").toFile().setExecutable(true);
        startServer();
        startRunnerWith(Map.of("JAVA_HOME", dir.resolve("jdk").toString()), "r1", 1);

        Result result = requestRemoteWith("junit", project, "--classpath-file", project.resolve("target/cp.txt").toString());

        assertThat(result.exit()).as(result.all()).isEqualTo(1);
        assertThat(result.out()).contains("tests on the runner's JAVA_HOME").contains("JUnit Vintage").contains("Tests run: 3, Failures: 1, Errors: 0, Skipped: 1")
                .contains("mvn test -Dtest=LegacyTest#fails");
    }

    @Test
    void aSlowJunitClassIsSplitByMethodAcrossInstances() throws Exception {
        Path project = mavenProject(Files.createDirectories(dir.resolve("app")), JUPITER, Map.of(
                "SlowTest", """
                        package demo;
                        import org.junit.jupiter.api.Test;
                        import static org.junit.jupiter.api.Assertions.*;
                        class SlowTest {
                          @Test void one() { }
                          @Test void two() { }
                          @Test void three() { fail("three fails"); }
                          @Test void four() { }
                        }
                        """,
                "QuickTest", """
                        package demo;
                        import org.junit.jupiter.api.Test;
                        class QuickTest { @Test void quick() { } }
                        """), "dependency:build-classpath", "-Dmdep.outputFile=target/cp.txt", "-Dmdep.includeScope=test");
        Files.createDirectories(dir.resolve("server-data"));
        try (io.testbot.store.SqliteStore store = new io.testbot.store.SqliteStore(dir.resolve("server-data/testbot.sqlite"))) {
            store.recordRuntimes(io.testbot.requester.Requester.projectKey(project), "junit",
                    Map.of("target/test-classes/demo/SlowTest.class", 100.0, "target/test-classes/demo/QuickTest.class", 1.0), java.time.Instant.now());
        }
        startServer();
        startRunner("r1", 2);

        Result result = requestRemoteWith("junit", project, "--classpath-file", project.resolve("target/cp.txt").toString());

        assertThat(result.exit()).as(result.all()).isEqualTo(1);
        assertThat(result.err()).contains("split 1 slow file(s) into 4 parts");
        assertThat(result.out()).contains("Tests run: 5, Failures: 1, Errors: 0, Skipped: 0").contains("mvn test -Dtest=SlowTest#three")
                .doesNotContain("have no result").doesNotContain("more than one result");
    }
}
