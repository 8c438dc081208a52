package io.testbot.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test::Unit and minitest: a job's files load into one {@code ruby -Ilib -Itest} process, and a small reporter
 * (testbot_test_reporter.rb, shipped in the jar, and named so that no framework takes it for a test file) hooks
 * into whichever framework they use and writes each test's outcome.
 */
public final class TestUnitAdapter implements RubyFramework {
    static final String REPORTER = "testbot_test_reporter.rb";

    @Override
    public String name() {
        return "test";
    }

    @Override
    public List<String> defaultPatterns() {
        return List.of("test/**/*_test.rb", "test/**/test_*.rb");
    }

    /** Its worker loads the project's test helper as it boots (testbot_test_worker.rb). */
    @Override
    public boolean workerBootsProject() {
        return true;
    }

    /** test_*.rb also matches the conventional test/test_helper.rb, which holds no tests. */
    @Override
    public boolean isTestFile(String path) {
        return !path.endsWith("/test_helper.rb") && !path.equals("test_helper.rb");
    }

    @Override
    public List<String> command(List<String> files, List<String> options, Path resultFile) throws IOException {
        Resources.unpack(Resources.CLAIMS, resultFile.getParent(), Resources.CLAIMS);
        List<String> command = new ArrayList<>(List.of("ruby"));
        command.addAll(LOAD_PATH);
        command.addAll(List.of(Resources.unpack(REPORTER, resultFile.getParent(), REPORTER).toString(), resultFile.toString()));
        command.addAll(files);
        command.add("--");
        command.addAll(options);
        return command;
    }

    static final String WORKER = "testbot_test_worker.rb";
    /**
     * The load path a job's ruby starts with, Rake's TestTask's (`rake test`): lib, then test. Many suites require
     * their library by name and leave the load path to the task (kramdown's: with test alone nothing loaded).
     */
    static final List<String> LOAD_PATH = List.of("-Ilib", "-Itest");

    /**
     * The project's test helper loaded once per instance and build; each job runs in a fork of it, as the reporter
     * runs it (see testbot_test_worker.rb).
     */
    @Override
    public String workerScript() {
        return WORKER;
    }

    @Override
    public List<String> workerCommand(Path tools, List<String> options) throws IOException {
        Resources.unpack(REPORTER, tools, REPORTER);
        return RubyFramework.super.workerCommand(tools, options);
    }

    /** A spare is Ruby and nothing else (the helper is a project's), forked from a zygote in milliseconds. */
    @Override
    public List<String> spareStubCommand(Path tools) throws IOException {
        Resources.unpack(REPORTER, tools, REPORTER);
        return RubyFramework.super.spareStubCommand(tools);
    }

    @Override
    public String workerJob(List<String> files, List<String> options, Path resultFile) {
        return Resources.jsonLine(job(files, options, resultFile));
    }

    private static Map<String, Object> job(List<String> files, List<String> options, Path resultFile) {
        return Map.of("files", files, "options", options, "json", resultFile.toString());
    }

    /** A test class runs only once its file is claimed (testbot_test_reporter.rb), with minitest as with Test::Unit. */
    @Override
    public boolean sharesFiles(List<String> files) {
        return true;
    }

    @Override
    public String workerJob(List<String> files, List<String> options, Path resultFile, Path claims) {
        return claims == null ? workerJob(files, options, resultFile) : Resources.sharedJobLine(job(files, options, resultFile), claims, files);
    }

    @Override
    public String displayCommand(List<String> files, List<String> options) {
        List<String> words = new ArrayList<>(List.of("ruby"));
        words.addAll(LOAD_PATH);
        words.add("-e");
        if (options.isEmpty()) {
            words.add("ARGV.each { |f| require File.expand_path(f) }");
        } else {
            // The framework reads its options from ARGV; the files must leave it first.
            words.add("files, opts = ARGV.partition { |a| File.file?(a) }; ARGV.replace(opts); files.each { |f| require File.expand_path(f) }");
        }
        words.addAll(files);
        words.addAll(options);
        return ShellWords.join(words);
    }

    @Override
    public Results readResults(Path resultFile, List<String> files, int exitCode, List<String> options) throws IOException {
        if (!Files.isRegularFile(resultFile) || Files.size(resultFile) == 0) throw new IOException("the test reporter wrote no results");
        JsonNode root = Json.MAPPER.readTree(resultFile.toFile());
        if (root == null || !root.has("tests")) throw new IOException("the test reporter's results have no tests list");
        Map<String, Tally> byFile = new LinkedHashMap<>();
        for (String file : files) byFile.put(file, new Tally());
        for (JsonNode test : root.path("tests")) {
            String file = test.path("file").asText("");
            Tally tally = byFile.computeIfAbsent(file.isEmpty() ? "(unknown file)" : file, f -> new Tally());
            String status = test.path("status").asText();
            String name = test.path("name").asText();
            String classname = test.path("classname").asText();
            double seconds = test.path("seconds").asDouble(0);
            String message = test.path("message").isNull() ? null : test.path("message").asText();
            tally.tests++;
            tally.assertions += test.path("assertions").asInt(0);
            tally.seconds += seconds;
            switch (status) {
                case FileResult.TestCase.FAILED -> tally.failures++;
                case FileResult.TestCase.ERROR -> tally.errors++;
                case FileResult.TestCase.SKIPPED -> tally.skips++;
                default -> { }
            }
            String location = file + ":" + test.path("line").asInt();
            boolean failed = FileResult.TestCase.FAILED.equals(status) || FileResult.TestCase.ERROR.equals(status);
            if (failed) tally.failed.add(new FileResult.Failure(location, classname + "#" + name, null));
            tally.cases.add(new FileResult.TestCase(classname, name, seconds, status, message, failed ? location : null));
        }
        // A file that did not load costs only itself: the reporter loaded the job's other files and ran their tests.
        Map<String, String> notLoaded = new LinkedHashMap<>();
        for (JsonNode error : root.path("load_errors")) {
            if (error.isTextual()) notLoaded.put(error.asText(), "did not load");
            else notLoaded.put(error.path("file").asText(), error.path("error").asText("did not load"));
        }
        List<FileResult> results = new ArrayList<>();
        byFile.forEach((path, t) -> results.add(notLoaded.containsKey(path) && t.tests == 0 ? FileResult.notLoaded(path, notLoaded.get(path))
                : new FileResult(path, t.tests, t.failures + t.errors, t.skips, t.seconds, List.copyOf(t.failed),
                Map.of("assertions", t.assertions, "failures", t.failures, "errors", t.errors), List.copyOf(t.cases))));
        int unattributed = (int) notLoaded.keySet().stream().filter(file -> !byFile.containsKey(file)).count();
        return new Results(results, unattributed);
    }

    @Override
    public String totalsLine(Totals t) {
        String line = String.format("%d tests, %d assertions, %d failures, %d errors, %d skips",
                t.examples(), t.count("assertions"), t.count("failures"), t.count("errors"), t.pending());
        return line + t.problems(", ");
    }

    /** "ruby -Ilib -Itest test/a_test.rb -n test_adds": both minitest and Test::Unit take -n for one test's name. */
    @Override
    public String rerunCommand(FileResult.Failure failure) {
        String file = failure.location().replaceFirst(":[0-9]+$", "");
        String name = failure.description().substring(failure.description().lastIndexOf('#') + 1);
        List<String> words = new ArrayList<>(List.of("ruby"));
        words.addAll(LOAD_PATH);
        words.addAll(List.of(file, "-n", name));
        return ShellWords.join(words);
    }

    private static final class Tally {
        int tests, assertions, failures, errors, skips;
        double seconds;
        final List<FileResult.Failure> failed = new ArrayList<>();
        final List<FileResult.TestCase> cases = new ArrayList<>();
    }
}
