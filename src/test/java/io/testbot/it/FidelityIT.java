package io.testbot.it;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * testbot reports what the framework alone reports: the same files chosen by the project's own configuration, the
 * same options, the same counts and verdict; and a file that does not load costs only itself.
 */
class FidelityIT extends Cluster {
    private static final Pattern RSPEC_TOTALS = Pattern.compile("(\\d+) examples?, (\\d+) failures?(?:, (\\d+) pending)?");

    /** Runs the framework's own command in the project, with this environment; its exit status and output. */
    static Result alone(Path project, Map<String, String> env, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(project.toFile()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("TESTBOT_") || k.equals("SPEC_OPTS"));
        builder.environment().putAll(env);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        return new Result(process.waitFor(), output, "");
    }

    /** The last rspec totals line in the output. */
    static String totals(String output) {
        Matcher m = RSPEC_TOTALS.matcher(output);
        String last = null;
        while (m.find()) last = m.group();
        return last;
    }

    /**
     * A gem whose .rspec leaves its integration specs out (they need a gem a plain checkout lacks), requires its
     * helper and asks for the documentation format: `rspec` passes, and so does `testbot rspec`, with the same count.
     */
    static Path gemWithDotRspec(Path root) throws Exception {
        SampleProjects.write(root, ".rspec", "--require spec_helper\n--exclude-pattern 'spec/integration/**/*_spec.rb'\n--format documentation\n");
        SampleProjects.write(root, "lib/calc.rb", "module Calc\n  def self.add(a, b) = a + b\nend\n");
        SampleProjects.write(root, "spec/spec_helper.rb", "require 'calc'\nRSpec.configure { |c| c.filter_run_when_matching :focus }\n");
        for (int i = 1; i <= 4; i++) {
            SampleProjects.write(root, "spec/unit/calc_" + i + "_spec.rb", "RSpec.describe('Calc " + i + "') do\n"
                    + "  it('adds') { expect(Calc.add(" + i + ", 1)).to eq(" + (i + 1) + ") }\n"
                    + "  it('adds zero') { expect(Calc.add(" + i + ", 0)).to eq(" + i + ") }\nend\n");
        }
        SampleProjects.write(root, "spec/integration/db_spec.rb", "require 'a_gem_this_checkout_lacks'\nRSpec.describe('Db') { it('connects') { } }\n");
        return root;
    }

    @Test
    void aGemsDotRspecChoosesTheFilesAndOptionsInLocalMode() throws Exception {
        Path gem = gemWithDotRspec(Files.createDirectories(dir.resolve("gem")));
        Result rspec = alone(gem, Map.of(), "rspec");
        assertThat(rspec.exit()).as(rspec.out()).isZero();

        Result testbot = request(gem, Map.of(), "--instances", "2");

        assertThat(testbot.exit()).as(testbot.all()).isZero();
        assertThat(totals(testbot.out())).isEqualTo(totals(rspec.out())).isEqualTo("8 examples, 0 failures");
        assertThat(testbot.out()).as("the documentation format .rspec asks for").contains("Calc 3\n  adds\n  adds zero");
        assertThat(testbot.all()).doesNotContain("integration");
    }

    @Test
    void onARunnerTheRequestersHomeRspecAndSpecOptsCountAndTheRunnersOwnDoNot() throws Exception {
        Path gem = gemWithDotRspec(Files.createDirectories(dir.resolve("gem")));
        SampleProjects.write(gem, "spec/unit/slow_spec.rb", "RSpec.describe('Slow', :slow) { it('takes long') { } }\n");
        // The requester's: leave the slow specs out, and a seed from SPEC_OPTS (the summary says which).
        Path requesterHome = Files.createDirectories(dir.resolve("requester-home"));
        Files.writeString(requesterHome.resolve(".rspec"), "--tag ~slow\n");
        Map<String, String> requesterEnv = Map.of("HOME", requesterHome.toString(), "SPEC_OPTS", "--seed 4242");
        // The runner's own would run nothing at all.
        Path runnerHome = Files.createDirectories(dir.resolve("runner-home"));
        Files.writeString(runnerHome.resolve(".rspec"), "--tag only_on_the_runner\n");
        startServer();
        startRunnerWith(Map.of("HOME", runnerHome.toString(), "SPEC_OPTS", "--tag also_only_on_the_runner"), "r1", 2);

        Result rspec = alone(gem, requesterEnv, "rspec");
        Map<String, String> env = new java.util.HashMap<>(requesterEnv);
        env.put("TESTBOT_TOKEN", token);
        Result testbot = request(gem, env, "--connect", address());

        assertThat(rspec.exit()).as(rspec.out()).isZero();
        assertThat(totals(rspec.out())).isEqualTo("8 examples, 0 failures");
        assertThat(testbot.exit()).as(testbot.all()).isZero();
        assertThat(totals(testbot.out())).isEqualTo(totals(rspec.out()));
        assertThat(testbot.out()).contains("Randomized with seed 4242").contains("exclude {:slow=>true}").doesNotContain("only_on_the_runner");
    }

    @Test
    void specOptsThatNameAFormatterDoNotTakeTheResultsAway() throws Exception {
        Path project = SampleProjects.mixed(Files.createDirectories(dir.resolve("app")));
        Result rspec = alone(project, Map.of("SPEC_OPTS", "--format documentation"), "rspec");

        Result testbot = request(project, Map.of("SPEC_OPTS", "--format documentation"), "--instances", "2");

        assertThat(testbot.exit()).as(testbot.all()).isEqualTo(rspec.exit()).isEqualTo(1);
        assertThat(totals(testbot.out())).isEqualTo(totals(rspec.out())).isEqualTo("6 examples, 1 failure, 1 pending");
        assertThat(testbot.out()).contains("Failing\n  passes first\n  adds wrongly (FAILED - 1)");
    }

    @Test
    void aFileThatDoesNotLoadCostsOnlyItselfInLocalAndServerMode() throws Exception {
        Path project = SampleProjects.passing(Files.createDirectories(dir.resolve("app")), 5);
        SampleProjects.write(project, "spec/broken_spec.rb", "require 'a_gem_this_checkout_lacks'\nRSpec.describe('Broken') { it('never runs') { } }\n");
        startServer();
        startRunner("r1", 1);
        List<Result> results = new ArrayList<>();
        // One job with every file: the broken one among them.
        results.add(request(project, Map.of(), "--instances", "1", "--files-per-job", "6"));
        results.add(requestRemote(project, "--files-per-job", "6"));
        for (Result result : results) {
            assertThat(result.exit()).as(result.all()).isEqualTo(1);
            assertThat(result.out()).contains("5 examples, 0 failures, 1 error occurred outside of examples")
                    .contains("Files that did not load")
                    .contains("spec/broken_spec.rb # LoadError: cannot load such file -- a_gem_this_checkout_lacks")
                    .doesNotContain("Errored jobs");
        }
    }

    private static final Pattern CUCUMBER_TOTALS = Pattern.compile("\\d+ scenarios? \\([^)]*\\)\\n\\d+ steps? \\([^)]*\\)");

    static String cucumberTotals(String output) {
        Matcher m = CUCUMBER_TOTALS.matcher(output);
        String last = null;
        while (m.find()) last = m.group();
        return last;
    }

    @Test
    void cucumbersDefaultProfileChoosesTheFeaturesAsCucumberAloneDoes() throws Exception {
        Path project = io.testbot.adapters.SampleTests.cucumber(Files.createDirectories(dir.resolve("app")));
        // Its default profile leaves work in progress out, by tag and by path.
        SampleProjects.write(project, "cucumber.yml", "default: --tags ~@wip --exclude drafts\n");
        SampleProjects.write(project, "features/drafts/idea.feature", "Feature: Idea\n  Scenario: someday\n    When I do something undefined\n");
        SampleProjects.write(project, "features/tagged.feature", "Feature: Tagged\n  @wip\n  Scenario: not yet\n    When I do something undefined\n");
        Result cucumber = alone(project, Map.of(), "cucumber");

        Result testbot = requestWith("cucumber", project, Map.of(), "--instances", "2", "--files-per-job", "1");

        assertThat(testbot.exit()).as(testbot.all()).isEqualTo(cucumber.exit()).isEqualTo(1);
        assertThat(cucumberTotals(testbot.out())).isEqualTo(cucumberTotals(cucumber.out()))
                .isEqualTo("6 scenarios (1 failed, 1 undefined, 1 pending, 3 passed)\n17 steps (1 failed, 1 skipped, 1 undefined, 1 pending, 13 passed)");
        assertThat(testbot.all()).doesNotContain("drafts/idea.feature");
    }

    @Test
    void aFeatureThatDoesNotParseCostsOnlyItself() throws Exception {
        Path project = io.testbot.adapters.SampleTests.cucumber(Files.createDirectories(dir.resolve("app")));
        SampleProjects.write(project, "features/bad.feature", "Feature: Bad\n  Scenario: x\n    Given a calculator\n  this is not gherkin\n");

        Result testbot = requestWith("cucumber", project, Map.of(), "--instances", "1", "--files-per-job", "3");

        assertThat(testbot.exit()).as(testbot.all()).isEqualTo(1);
        assertThat(testbot.out()).contains("6 scenarios (1 failed, 1 undefined, 1 pending, 3 passed)")
                .contains("1 file did not load").contains("features/bad.feature # Parser errors:").doesNotContain("Errored jobs");
    }
}
