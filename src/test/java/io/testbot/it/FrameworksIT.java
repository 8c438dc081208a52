package io.testbot.it;

import io.testbot.adapters.SampleTests;
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

        // Test::Unit and minitest each take over the process they run in: one file per job keeps both.
        Path xml = dir.resolve("reports/test.xml");
        Result result = requestRemoteWith("test", project, "--files-per-job", "1", "--junit-xml", xml.toString());

        assertThat(result.exit()).as(result.all()).isEqualTo(1);
        // calc 5 + helper_free 1 (test-unit), small 4 + env 1 (minitest)
        assertThat(result.out()).contains("11 tests, 7 assertions, 2 failures, 2 errors, 3 skips")
                .contains("ruby -Itest test/calc_test.rb -n test_fails # CalcTest#test_fails")
                .contains("ruby -Itest test/small_test.rb -n test_err # SmallTest#test_err")
                .contains("4 job(s) on 2 runner(s)");
        Element report = suites(xml);
        assertThat(report.getAttribute("tests")).isEqualTo("11");
        assertThat(report.getAttribute("failures")).isEqualTo("2");
        assertThat(report.getAttribute("errors")).isEqualTo("2");
        assertThat(report.getAttribute("skipped")).isEqualTo("3");
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
}
