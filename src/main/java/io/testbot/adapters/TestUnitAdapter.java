package io.testbot.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

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
    public boolean loadsWholeSuite() {
        return true;
    }

    @Override
    public String workerJob(List<String> files, List<String> options, Path resultFile) {
        return Resources.jsonLine(job(files, options, resultFile));
    }

    private static Map<String, Object> job(List<String> files, List<String> options, Path resultFile) {
        return Map.of("files", files, "options", options, "json", resultFile.toString());
    }

    /**
     * A test class runs only once its file is claimed (testbot_test_reporter.rb), with minitest as with Test::Unit.
     * Whole files only: a job with a file's part is not shared.
     */
    @Override
    public boolean sharesFiles(List<String> files) {
        return files.stream().allMatch(f -> fileOf(f).equals(f));
    }

    @Override
    public String workerJob(List<String> files, List<String> options, Path resultFile, Path claims) {
        return claims == null ? workerJob(files, options, resultFile) : Resources.sharedJobLine(job(files, options, resultFile), claims, files);
    }

    /** A part runs by hand as its whole file does; the line says which of the file's tests the job ran. */
    @Override
    public String displayCommand(List<String> entries, List<String> options) {
        LinkedHashSet<String> files = new LinkedHashSet<>();
        List<String> parts = new ArrayList<>();
        for (String entry : entries) {
            files.add(fileOf(entry));
            Matcher part = PART.matcher(entry);
            if (part.matches()) parts.add(part.group(1) + ": part " + part.group(2) + " of " + part.group(3));
        }
        String command = wholeFilesCommand(List.copyOf(files), options);
        return parts.isEmpty() ? command : command + "  # " + String.join(", ", parts) + " of its tests by class and name";
    }

    private static String wholeFilesCommand(List<String> files, List<String> options) {
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
        for (String entry : files) byFile.putIfAbsent(fileOf(entry), new Tally());
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

    /** A job entry is a test file, or a part of one: "test/a_test.rb[2/4]" (testbot_test_reporter.rb's Parts). */
    private static final Pattern PART = Pattern.compile("(.+)\\[([1-9][0-9]{0,3})/([1-9][0-9]{0,3})]", Pattern.DOTALL);
    /** More parts than this no file needs; it keeps entries short. */
    static final int MOST_PARTS = 1000;

    @Override
    public String fileOf(String entry) {
        Matcher part = PART.matcher(entry);
        if (part.matches() && Integer.parseInt(part.group(2)) <= Integer.parseInt(part.group(3))) return part.group(1);
        if (entry.endsWith("]")) throw new IllegalArgumentException("not a test file or a part of one (file[I/K]): " + entry);
        return entry;
    }

    @Override
    public boolean canSplit() {
        return true;
    }

    @Override
    public boolean splitListsTests() {
        return false;
    }

    /**
     * Cuts each file into parts by number, "test/a_test.rb[1/3]" to "[3/3]", with no listing here: each part's job
     * loads the file and runs its share of the tests (testbot_test_reporter.rb), so splitting costs no boot of the
     * project on this machine. A file with fewer tests than parts gives parts that run none.
     */
    @Override
    public Map<String, List<String>> split(Path root, Map<String, Integer> pieces, List<String> options, Path tools) {
        Map<String, List<String>> parts = new LinkedHashMap<>();
        pieces.forEach((file, wanted) -> {
            int k = Math.min(wanted, MOST_PARTS);
            if (k >= 2) parts.put(file, IntStream.rangeClosed(1, k).mapToObj(i -> file + "[" + i + "/" + k + "]").toList());
        });
        return parts;
    }

    private static final class Tally {
        int tests, assertions, failures, errors, skips;
        double seconds;
        final List<FileResult.Failure> failed = new ArrayList<>();
        final List<FileResult.TestCase> cases = new ArrayList<>();
    }
}
