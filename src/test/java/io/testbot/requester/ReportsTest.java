package io.testbot.requester;

import com.fasterxml.jackson.databind.JsonNode;
import io.testbot.adapters.Adapters;
import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.JobResult;
import io.testbot.protocol.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReportsTest {
    static FileResult.TestCase test(String name, String status, String message, String id) {
        return new FileResult.TestCase("spec.a_spec", name, 0.25, status, message, id);
    }

    BuildResults results() {
        BuildResults summary = new BuildResults(Adapters.get("rspec"));
        FileResult.Failure flaky = new FileResult.Failure("./spec/a_spec.rb:3", "A is flaky", "./spec/a_spec.rb[1:2]");
        FileResult.Failure real = new FileResult.Failure("./spec/a_spec.rb:9", "A fails", "./spec/a_spec.rb[1:3]");
        // Part 1 of a split file, then part 2; a control character and colour codes in a message.
        summary.add("r1", new JobResult("r1", 1, 1, false, "", 1, 0, "rspec", List.of(new FileResult("spec/a_spec.rb", 3, 2, 0, 0.75,
                List.of(flaky, real), Map.of(), List.of(test("passes", "passed", null, null), test("is flaky", "failed", "boom", flaky.rerunId()),
                test("fails", "failed", "\u001B[31mexpected 1\u0000 got 2\u001B[0m\nsecond line", real.rerunId()))))), 0, List.of("spec/a_spec.rb[1:1,1:2,1:3]"));
        summary.add("r2", new JobResult("r2", 1, 0, false, "", 1, 0, "rspec", List.of(new FileResult("spec/a_spec.rb", 1, 0, 1, 0.25,
                List.of(), Map.of(), List.of(test("waits", "skipped", "not yet", null))))), 0, List.of("spec/a_spec.rb[1:4]"));
        // The re-run of both failures: the flaky one passes.
        summary.add("r2", new JobResult("r2", 1, 1, false, "", 1, 0, "rspec", List.of(new FileResult("spec/a_spec.rb", 2, 1, 0, 0.5,
                List.of(real)))), 1, List.of(flaky.rerunId(), real.rerunId()));
        return summary;
    }

    /** The build as the listeners get it when it is over; spec/lost_spec.rb was submitted, and no job reported it. */
    BuildListener.Finished finished(List<String> alsoSubmitted) {
        BuildInfo build = new BuildInfo(7, "p", "rspec", "failed", 3, 3, 1, "me", null, null);
        BuildResults results = results();
        List<String> submitted = new java.util.ArrayList<>(List.of("spec/a_spec.rb[1:1,1:2,1:3]", "spec/a_spec.rb[1:4]"));
        submitted.addAll(alsoSubmitted);
        return new BuildListener.Finished(build, results, results.verdict(submitted, false), 2.5);
    }

    @Test
    void junitXmlMergesTheFilesPartsAndCountsAFlakyTestAsPassed(@TempDir Path dir) throws Exception {
        Path xml = dir.resolve("reports/junit.xml");
        new JUnitXmlReport(xml).buildFinished(finished(List.of("spec/lost_spec.rb")));

        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        Element root = doc.getDocumentElement();
        assertThat(root.getAttribute("tests")).isEqualTo("5");
        assertThat(root.getAttribute("failures")).isEqualTo("1");
        assertThat(root.getAttribute("errors")).isEqualTo("1");
        assertThat(root.getAttribute("skipped")).isEqualTo("1");
        assertThat(doc.getElementsByTagName("testsuite").getLength()).isEqualTo(2);
        Element a = (Element) doc.getElementsByTagName("testsuite").item(0);
        assertThat(a.getAttribute("name")).isEqualTo("spec/a_spec.rb");
        assertThat(a.getAttribute("tests")).isEqualTo("4");
        Element failure = (Element) doc.getElementsByTagName("failure").item(0);
        assertThat(failure.getAttribute("message")).isEqualTo("expected 1 got 2");
        assertThat(failure.getTextContent()).isEqualTo("expected 1 got 2\nsecond line");
        assertThat(doc.getElementsByTagName("system-out").item(0).getTextContent()).contains("flaky");
        Element lost = (Element) doc.getElementsByTagName("error").item(0);
        assertThat(((Element) lost.getParentNode()).getAttribute("name")).isEqualTo("spec/lost_spec.rb");
    }

    @Test
    void jsonHasTheTotalsJobsAndFailuresWithTheirReRunCommands(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("build.json");
        new JsonReport(file).buildFinished(finished(List.of()));

        JsonNode json = Json.MAPPER.readTree(file.toFile());
        assertThat(json.path("passed").asBoolean()).isFalse();
        assertThat(json.path("totals_line").asText()).isEqualTo("4 examples, 1 failure, 1 pending");
        assertThat(json.path("jobs")).hasSize(3);
        assertThat(json.path("jobs").get(2).path("attempt").asInt()).isEqualTo(1);
        assertThat(json.path("failures")).singleElement().satisfies(f -> assertThat(f.path("rerun").asText()).isEqualTo("rspec ./spec/a_spec.rb:9"));
        assertThat(json.path("flaky")).singleElement().satisfies(f -> assertThat(f.path("description").asText()).isEqualTo("A is flaky"));
        assertThat(json.path("runners")).extracting(JsonNode::asText).containsExactly("r1", "r2");
    }

    @Test
    void aFileThatDidNotLoadIsAnErrorInBothReportsAndFailsTheBuild(@TempDir Path dir) throws Exception {
        BuildResults results = new BuildResults(Adapters.get("rspec"));
        results.add("r1", new JobResult("r1", 1, 1, false, "", 1, 0, "rspec", List.of(
                new FileResult("spec/a_spec.rb", 1, 0, 0, 0.5, List.of(), Map.of(), List.of(test("passes", "passed", null, null))),
                FileResult.notLoaded("spec/broken_spec.rb", "LoadError: cannot load such file -- nokogiri"))), 0, List.of("spec/a_spec.rb", "spec/broken_spec.rb"));
        BuildInfo build = new BuildInfo(8, "p", "rspec", "failed", 1, 1, 1, "me", null, null);
        BuildListener.Finished finished = new BuildListener.Finished(build, results, results.verdict(List.of("spec/a_spec.rb", "spec/broken_spec.rb"), false), 1);
        assertThat(finished.verdict().passed()).isFalse();

        Path xml = dir.resolve("junit.xml");
        new JUnitXmlReport(xml).buildFinished(finished);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        assertThat(doc.getDocumentElement().getAttribute("errors")).isEqualTo("1");
        Element error = (Element) doc.getElementsByTagName("error").item(0);
        assertThat(((Element) error.getParentNode().getParentNode()).getAttribute("name")).isEqualTo("spec/broken_spec.rb");
        assertThat(error.getAttribute("message")).isEqualTo("LoadError: cannot load such file -- nokogiri");

        Path json = dir.resolve("build.json");
        new JsonReport(json).buildFinished(finished);
        JsonNode report = Json.MAPPER.readTree(json.toFile());
        assertThat(report.path("passed").asBoolean()).isFalse();
        assertThat(report.path("not_loaded").path("spec/broken_spec.rb").asText()).isEqualTo("LoadError: cannot load such file -- nokogiri");
        assertThat(report.path("totals_line").asText()).isEqualTo("1 example, 0 failures, 1 error occurred outside of examples");
    }
}
