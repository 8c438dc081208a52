package io.testbot.it;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** `testbot rspec` with no server configured: embedded server and runner, specs run in place. */
class LocalModeIT extends Cluster {

    @Test
    void runsInPlaceOnSeveralInstancesAndPrintsTheSameSummary() throws Exception {
        Path project = SampleProjects.mixed(Files.createDirectories(dir.resolve("app")));
        SampleProjects.write(project, "spec/where_two_spec.rb", """
                RSpec.describe "Where two" do
                  it("prints too") { puts "WHERE file=#{File.expand_path(__FILE__)} env=[#{ENV['TEST_ENV_NUMBER']}] instances=#{ENV['TEST_INSTANCES']} rails=#{ENV['RAILS_ENV']}" }
                end
                """);
        Result result = request(project, Map.of(), "--instances", "2", "--files-per-job", "1");

        assertThat(result.exit()).as(result.all()).isEqualTo(1);
        assertThat(result.err()).contains("local mode on 2 instance(s)");
        assertThat(result.out()).contains("7 examples, 1 failure, 1 pending").contains("rspec ./spec/failing_spec.rb:5 # Failing adds wrongly");
        // Jobs finish, and print, in any order.
        Matcher where = Pattern.compile("WHERE file=(\\S+/where_spec\\.rb) env=\\[(\\d*)\\] instances=(\\d+)").matcher(result.out());
        assertThat(where.find()).as(result.out()).isTrue();
        assertThat(Path.of(where.group(1))).isEqualTo(project.resolve("spec/where_spec.rb").toRealPath()).as("ran in place");
        assertThat(where.group(3)).isEqualTo("2");
    }

    @Test
    void passingSuiteExitsZero() throws Exception {
        Result result = request(SampleProjects.passing(Files.createDirectories(dir.resolve("app")), 3), Map.of());
        assertThat(result.exit()).as(result.all()).isZero();
        assertThat(result.out()).contains("3 examples, 0 failures");
    }

    @Test
    void usageAndConfigurationErrorsExitTwoInOneLine() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Result none = request(empty, Map.of());
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err().strip()).startsWith("testbot: no test files match spec/**/*_spec.rb").doesNotContain("Exception");

        Path badConfig = SampleProjects.passing(Files.createDirectories(dir.resolve("bad")), 1);
        SampleProjects.write(badConfig, ".testbot.yml", "instanses: 3\n");
        Result bad = request(badConfig, Map.of());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("unknown setting 'instanses'");

        Result unknownFlag = request(badConfig, Map.of(), "--no-such-flag");
        assertThat(unknownFlag.exit()).isEqualTo(2);
        assertThat(unknownFlag.err()).contains("Unknown option: '--no-such-flag'");
    }

    @Test
    void anUnreachableServerIsAnInfrastructureError() throws Exception {
        Path project = SampleProjects.passing(Files.createDirectories(dir.resolve("app")), 1);
        Result result = request(project, Map.of("TESTBOT_SERVER", "127.0.0.1:1"));
        assertThat(result.exit()).isEqualTo(3);
        assertThat(result.err()).contains("cannot reach the testbot server at http://127.0.0.1:1");
    }

    @Test
    void ctrlCStopsTheLocalJobs() throws Exception {
        Path pids = Files.createDirectories(dir.resolve("pids"));
        Path project = SampleProjects.longRunning(Files.createDirectories(dir.resolve("app")), pids, 2);
        Proc requester = start("requester", project, Map.of(), "rspec", "-n", "2", "--files-per-job", "1");
        Awaitility.await().atMost(START).until(() -> Files.exists(pids.resolve("long_1.pid")) && Files.exists(pids.resolve("long_2.pid")));
        List<Long> rspecPids = List.of(Long.parseLong(Files.readString(pids.resolve("long_1.pid"))), Long.parseLong(Files.readString(pids.resolve("long_2.pid"))));

        requester.signal("INT");
        assertThat(requester.awaitExit(START)).isNotZero();
        assertThat(requester.err()).contains("cancelled");
        Awaitility.await("local rspec processes stop").atMost(Duration.ofSeconds(15))
                .until(() -> rspecPids.stream().noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
    }

    @Test
    void twoLocalRunsAtOnceShareTheHistoryAndNeitherEndsTheOthersBuild() throws Exception {
        // Two projects of one user, run in two terminals: one local store (the runtime history) for both.
        Map<String, String> sameCache = Map.of("XDG_CACHE_HOME", Files.createDirectories(dir.resolve("shared-cache")).toString());
        Path release = dir.resolve("release");
        Path waiting = Files.createDirectories(dir.resolve("waiting"));
        Path first = Files.createDirectories(dir.resolve("first/spec")).getParent();
        for (int i = 1; i <= 2; i++) {
            SampleProjects.write(first, "spec/wait_" + i + "_spec.rb", "RSpec.describe('Wait " + i + "') { it('waits for the other run') { "
                    + "File.write('" + waiting.resolve(String.valueOf(i)) + "', ''); sleep 0.05 until File.exist?('" + release + "') } }\n");
        }
        Proc running = start("first", first, sameCache, "rspec", "-n", "2", "--files-per-job", "1");
        Awaitility.await().atMost(START).until(() -> Files.exists(waiting.resolve("1")) && Files.exists(waiting.resolve("2")));

        Result other = request(SampleProjects.passing(Files.createDirectories(dir.resolve("second")), 2), sameCache);
        assertThat(other.exit()).as(other.all()).isZero();
        assertThat(other.out()).contains("2 examples, 0 failures");

        Files.writeString(release, "");
        assertThat(running.awaitExit(START)).as(running.err()).isZero();
        assertThat(running.out()).contains("2 examples, 0 failures").doesNotContain("cancelled");
    }

    @Test
    void theOtherFrameworksRunInPlaceToo() throws Exception {
        Path tests = io.testbot.adapters.SampleTests.minitest(io.testbot.adapters.SampleTests.testUnit(Files.createDirectories(dir.resolve("tests"))));
        Path xml = dir.resolve("tests.xml");
        Result test = requestWith("test", tests, Map.of(), "--instances", "2", "--junit-xml", xml.toString());
        assertThat(test.exit()).as(test.all()).isEqualTo(1);
        assertThat(test.out()).contains("10 tests, 6 assertions, 2 failures, 2 errors, 3 skips");
        assertThat(Files.readString(xml)).contains("tests=\"10\"");

        Path features = io.testbot.adapters.SampleTests.cucumber(Files.createDirectories(dir.resolve("features-app")));
        Result cucumber = requestWith("cucumber", features, Map.of(), "--instances", "2");
        assertThat(cucumber.exit()).as(cucumber.all()).isEqualTo(1);
        assertThat(cucumber.out()).contains("6 scenarios (1 failed, 1 undefined, 1 pending, 3 passed)");

        Path checks = Files.createDirectories(dir.resolve("checks"));
        SampleProjects.write(checks, "a.sh", "exit 0\n");
        SampleProjects.write(checks, "b.sh", "exit 0\n");
        Result run = requestWith("run", checks, Map.of(), "--pattern", "*.sh", "--command", "for f in {files}; do sh \"$f\" || exit; done");
        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(run.out()).contains("2 files, 0 failed");
    }

    /** The README sends new users to these: each passes as shipped (run from a copy, so the tree stays clean). */
    @Test
    void theBundledExamplesPass() throws Exception {
        for (String[] example : new String[][]{{"rspec-demo", "rspec"}, {"minitest-demo", "test"}, {"cucumber-demo", "cucumber"}}) {
            Path copy = dir.resolve(example[0]);
            try (var files = Files.walk(Path.of("examples", example[0]))) {
                for (Path source : files.toList()) {
                    Path target = copy.resolve(Path.of("examples", example[0]).relativize(source).toString());
                    if (Files.isDirectory(source)) Files.createDirectories(target);
                    else Files.copy(source, target);
                }
            }
            Result result = requestWith(example[1], copy, Map.of());
            assertThat(result.exit()).as(example[0] + "\n" + result.all()).isZero();
            assertThat(result.out()).containsPattern("\\(build \\d+, passed\\)");
        }
    }

    /**
     * A project with a Gemfile.lock runs under Bundler, as `bundle exec rspec` would; when its gems are not installed,
     * the jobs say so, and how to run without Bundler, which then passes.
     */
    @Test
    void aBundleThatIsNotInstalledSaysHowToRunWithoutBundler() throws Exception {
        Path project = SampleProjects.passing(Files.createDirectories(dir.resolve("bundled")), 2);
        SampleProjects.write(project, "Gemfile", "source \"https://rubygems.org\"\ngem \"testbot_no_such_gem\"\n");
        SampleProjects.write(project, "Gemfile.lock", """
                GEM
                  remote: https://rubygems.org/
                  specs:
                    testbot_no_such_gem (1.0.0)

                PLATFORMS
                  ruby

                DEPENDENCIES
                  testbot_no_such_gem
                """);
        Result bundled = requestWith("rspec", project, Map.of());
        assertThat(bundled.exit()).as(bundled.all()).isNotZero();
        assertThat(bundled.out()).contains("Bundler::GemNotFound").contains("run without Bundler (--no-bundle-exec");
        Result plain = requestWith("rspec", project, Map.of(), "--no-bundle-exec");
        assertThat(plain.exit()).as(plain.all()).isZero();
        assertThat(plain.out()).contains("2 examples, 0 failures");
    }

    @Test
    void localModeRunsAnInstancesJobsInOneRspecUnlessToldNotTo() throws Exception {
        Path project = Files.createDirectories(dir.resolve("app"));
        for (int i = 1; i <= 2; i++) {
            SampleProjects.write(project, "spec/p" + i + "_spec.rb", "RSpec.describe('P" + i + "') { it('reports') { puts \"P" + i + " pid=#{Process.pid}\" } }\n");
        }
        // A coverage tool writes its report at exit: the warm process must end normally, before testbot exits.
        SampleProjects.write(project, ".rspec", "--require spec_helper\n");
        SampleProjects.write(project, "spec/spec_helper.rb", "at_exit { File.write(File.join(__dir__, '..', 'report.txt'), 'written at exit') }\n");
        Result warm = request(project, Map.of(), "--instances", "1", "--files-per-job", "1");
        assertThat(warm.exit()).as(warm.all()).isZero();
        assertThat(DistributedRspecIT.pids(warm.out())).hasSize(1);
        assertThat(project.resolve("report.txt")).hasContent("written at exit");
        Result cold = request(project, Map.of(), "--instances", "1", "--files-per-job", "1", "--no-warm");
        assertThat(cold.exit()).as(cold.all()).isZero();
        assertThat(DistributedRspecIT.pids(cold.out())).hasSize(2);
    }

    @Test
    void aCoverageReportMergedAtExitHasEveryInstancesShareBeforeTestbotExits() throws Exception {
        // SimpleCov as its documentation has it for parallel runs: a command name per process; each stores its
        // share at exit and reports all it finds stored, so the report is whole when the last one ends after the rest.
        Path project = Files.createDirectories(dir.resolve("app"));
        SampleProjects.write(project, ".rspec", "--require spec_helper\n");
        // The hooks note when each process's exit work begins and ends (at_exit hooks run last registered first).
        SampleProjects.write(project, "spec/spec_helper.rb", """
                exits = File.expand_path("../exits.log", __dir__)
                at_exit { File.write(exits, "end #{Process.pid}\n", mode: "a") }
                require "simplecov"
                SimpleCov.command_name "RSpec #{ENV["TEST_ENV_NUMBER"]}"
                SimpleCov.start { add_filter "/spec/" }
                at_exit { File.write(exits, "begin #{Process.pid}\n", mode: "a") }
                $LOAD_PATH.unshift File.expand_path("../lib", __dir__)
                """);
        for (String name : List.of("alpha", "beta")) {
            SampleProjects.write(project, "lib/" + name + ".rb", "module " + name.toUpperCase() + "\n  def self.call\n    :" + name + "\n  end\nend\n");
            SampleProjects.write(project, "spec/" + name + "_spec.rb", "require \"" + name + "\"\nRSpec.describe(\"" + name
                    + "\") { it(\"calls\") { expect(" + name.toUpperCase() + ".call).to eq(:" + name + ") } }\n");
        }

        Result result = request(project, Map.of(), "--instances", "2", "--files-per-job", "1");

        assertThat(result.exit()).as(result.all()).isZero();
        assertThat(result.out()).contains("TEST_ENV_NUMBER=2 rspec"); // both instances ran a file
        String stored = Files.readString(project.resolve("coverage/.resultset.json"));
        assertThat(stored).contains("\"RSpec \"").contains("\"RSpec 2\"");
        assertThat(Files.readString(project.resolve("coverage/index.html"))).as("the report covers both files: both shares merged")
                .containsPattern("covered_percent\">\\s*<span[^>]*>\\s*100\\.0+%");
        List<String> exits = Files.readAllLines(project.resolve("exits.log"));
        assertThat(exits).as("one process's exit work, then the other's").hasSize(4);
        assertThat(exits.get(0).replace("begin", "end")).isEqualTo(exits.get(1));
        assertThat(exits.get(2).replace("begin", "end")).isEqualTo(exits.get(3));
    }

    @Test
    void aProjectThatIsPartOfRspecTestsItsOwnCopyAsRspecAloneDoes() throws Exception {
        // rspec-expectations' own repository, say: rspec alone puts lib on the load path and loads the project's copy;
        // a spare had loaded the installed one before it came to the project.
        Path project = Files.createDirectories(dir.resolve("app"));
        SampleProjects.write(project, "lib/rspec/expectations.rb", """
                $project_copy = true
                load File.join(Gem::Specification.find_by_name("rspec-expectations").gem_dir, "lib/rspec/expectations.rb")
                """);
        for (int i = 1; i <= 2; i++) {
            SampleProjects.write(project, "spec/copy" + i + "_spec.rb", "RSpec.describe('copy') { it('is the project\\'s') { expect($project_copy).to be(true) } }\n");
        }

        Result result = request(project, Map.of(), "--instances", "2", "--files-per-job", "1");

        assertThat(result.exit()).as(result.all()).isZero();
        assertThat(result.out()).contains("2 examples, 0 failures");
    }

    @Test
    void anIdleInstanceTakesOverTheFilesABusyInstancesJobHasNotBegunAndEachRunsOnce() throws Exception {
        Path project = Files.createDirectories(dir.resolve("app"));
        Path marks = Files.createDirectories(dir.resolve("marks"));
        // Five files in two jobs: the largest, a, first in a job of four; one small file alone in the other. a goes
        // on only once two files have run in another process: the other job's, and one taken over from a's job by
        // the instance that ran it. Without that it fails after a minute.
        SampleProjects.write(project, "spec/a_slow_spec.rb", "# " + "padding ".repeat(40) + "\n" + """
                RSpec.describe("slow") do
                  it("waits for files of its job to run elsewhere") do
                    others = -> { Dir["%1$s/*"].map { |f| File.read(f).to_i }.reject { |pid| pid == Process.pid } }
                    deadline = Time.now + 60
                    sleep 0.05 until others.call.size >= 2 || Time.now > deadline
                    expect(others.call.size).to be >= 2
                  end
                end
                """.formatted(marks));
        List<String> small = List.of("b", "c", "d", "e");
        for (String name : small) {
            // Created only if absent: a file run twice fails. c fails anyway, wherever it runs (the files are of one size).
            SampleProjects.write(project, "spec/" + name + "_spec.rb", """
                    RSpec.describe("%2$s") do
                      it("runs once") do
                        File.open("%1$s/%2$s", File::WRONLY | File::CREAT | File::EXCL) { |f| f.write(Process.pid.to_s) }
                        puts "RAN %2$s on instance #{ENV['TEST_ENV_NUMBER'].inspect}"
                        expect("%2$s").not_to eq("c")
                      end
                    end
                    """.formatted(marks, name));
        }
        Result result = request(project, Map.of(), "--instances", "2", "--files-per-job", "4");
        assertThat(result.exit()).as(result.all()).isEqualTo(1);
        assertThat(result.out()).contains("5 examples, 1 failure").contains("of this job not yet begun ran on instance");
        for (String name : small) {
            assertThat(count(result.out(), "RAN " + name + " ")).as(name).isEqualTo(1);
            assertThat(marks.resolve(name)).exists();
        }
        String summary = result.out().substring(result.out().lastIndexOf("Failed examples:"));
        assertThat(count(summary, "rspec ./spec/c_spec.rb:2 # c runs once")).isEqualTo(1);
    }

    @Test
    void cucumberFilesAJobHasNotBegunAreTakenOverToo() throws Exception {
        Path project = Files.createDirectories(dir.resolve("features-app"));
        Path marks = Files.createDirectories(dir.resolve("feature-marks"));
        // As above, with feature files: a's scenario goes on only once two features have run in another process.
        SampleProjects.write(project, "features/step_definitions/steps.rb", """
                Given(/^two features ran elsewhere$/) do
                  others = -> { Dir["%1$s/*"].map { |f| File.read(f).to_i }.reject { |pid| pid == Process.pid } }
                  deadline = Time.now + 60
                  sleep 0.05 until others.call.size >= 2 || Time.now > deadline
                  raise "only #{others.call.size} ran elsewhere" unless others.call.size >= 2
                end
                Given(/^(\\w+) runs once$/) do |name|
                  File.open("%1$s/#{name}", File::WRONLY | File::CREAT | File::EXCL) { |f| f.write(Process.pid.to_s) }
                  puts "RAN #{name} on instance #{ENV['TEST_ENV_NUMBER'].inspect}"
                  raise "c fails" if name == "c"
                end
                """.formatted(marks));
        SampleProjects.write(project, "features/a_slow.feature", "# " + "padding ".repeat(40) + """

                Feature: slow
                  Scenario: waits
                    Given two features ran elsewhere
                """);
        List<String> small = List.of("b", "c", "d", "e");
        for (String name : small) {
            SampleProjects.write(project, "features/" + name + ".feature", """
                    Feature: %1$s
                      Scenario: once
                        Given %1$s runs once
                    """.formatted(name));
        }
        Result result = requestWith("cucumber", project, Map.of(), "--instances", "2", "--files-per-job", "4");
        assertThat(result.exit()).as(result.all()).isEqualTo(1);
        assertThat(result.out()).contains("5 scenarios (1 failed, 4 passed)").contains("of this job not yet begun ran on instance");
        for (String name : small) {
            assertThat(count(result.out(), "RAN " + name + " ")).as(name).isEqualTo(1);
            assertThat(marks.resolve(name)).exists();
        }
    }
}
