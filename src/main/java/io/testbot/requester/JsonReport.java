package io.testbot.requester;

import io.testbot.adapters.Adapter;
import io.testbot.protocol.BuildInfo;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.Json;
import io.testbot.protocol.Verdict;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** --json FILE: the whole build for machines: verdict, totals, files, jobs, runners, times, failures with their re-run commands. */
final class JsonReport implements BuildListener {
    private final Path file;

    JsonReport(Path file) {
        this.file = file;
    }

    @Override
    public void buildFinished(Finished finished) throws IOException {
        BuildResults results = finished.results();
        Adapter adapter = results.adapter();
        BuildInfo build = finished.build();
        Verdict verdict = finished.verdict();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("build", Map.of("id", build.id(), "project", build.project(), "adapter", build.adapter(), "status", verdict.status()));
        report.put("passed", verdict.passed());
        report.put("wall_seconds", finished.wallSeconds());
        report.put("ideal_seconds", results.idealSeconds());
        report.put("totals", results.totals());
        report.put("totals_line", adapter.totalsLine(results.totals()));
        report.put("runners", results.runners().stream().sorted().toList());
        report.put("files", results.files());
        report.put("jobs", results.jobs());
        report.put("failures", results.tally().failing().stream().map(f -> failure(adapter, f)).toList());
        report.put("flaky", results.tally().flaky().values().stream().map(f -> failure(adapter, f)).toList());
        report.put("not_loaded", results.tally().notLoaded());
        report.put("errored_jobs", results.tally().erroredJobs());
        report.put("without_result", verdict.withoutResult());
        report.put("with_more_than_one_result", verdict.withMoreThanOneResult());
        ReportFiles.writeAtomically(file, out -> Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(out, report));
    }

    private static Map<String, String> failure(Adapter adapter, FileResult.Failure f) {
        return Map.of("location", f.location(), "description", f.description(), "rerun", adapter.rerunCommand(f));
    }
}
