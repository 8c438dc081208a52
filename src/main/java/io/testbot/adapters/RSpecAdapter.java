package io.testbot.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import io.testbot.protocol.FileResult;
import io.testbot.protocol.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** RSpec: progress output for people, the JSON formatter to a file for the server. */
public final class RSpecAdapter implements Adapter {
    @Override
    public String name() {
        return "rspec";
    }

    @Override
    public List<String> defaultPatterns() {
        return List.of("spec/**/*_spec.rb");
    }

    @Override
    public List<String> command(List<String> files, List<String> options, Path resultFile) {
        List<String> command = new ArrayList<>(List.of("rspec", "--format", "progress", "--format", "json", "--out", resultFile.toString()));
        command.addAll(options);
        files.forEach(f -> command.add(relative(f)));
        return command;
    }

    static final String WORKER = "testbot_rspec_worker.rb";

    /** rspec booted once per instance and build: testbot_rspec_worker.rb runs each job with RSpec::Core::Runner. */
    @Override
    public List<String> workerCommand(Path tools) throws IOException {
        return List.of("ruby", Resources.unpack(WORKER, tools, WORKER, false).toString());
    }

    static final String SPARE_STUB = "testbot_spare_stub.rb";

    /** Without RubyGems, Ruby starts in 20 ms: all the stub needs is its socket library. */
    @Override
    public List<String> spareStubCommand(Path tools) throws IOException {
        return List.of("ruby", "--disable-gems", Resources.unpack(SPARE_STUB, tools, SPARE_STUB, false).toString(),
                Resources.unpack(WORKER, tools, WORKER, false).toString());
    }

    @Override
    public String workerJob(List<String> files, List<String> options, Path resultFile) {
        List<String> args = command(files, options, resultFile);
        try {
            return Json.MAPPER.writeValueAsString(Map.of("args", args.subList(1, args.size())));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String displayCommand(List<String> files, List<String> options) {
        List<String> words = new ArrayList<>(List.of("rspec"));
        words.addAll(options);
        files.forEach(f -> words.add(relative(f)));
        return ShellWords.join(words);
    }

    @Override
    public Results readResults(Path resultFile, List<String> files, int exitCode, List<String> options) throws IOException {
        if (!Files.isRegularFile(resultFile) || Files.size(resultFile) == 0) throw new IOException("rspec wrote no JSON results");
        JsonNode root = Json.MAPPER.readTree(resultFile.toFile());
        if (root == null || !root.has("examples")) throw new IOException("rspec JSON results have no examples list");

        Map<String, FileTally> byFile = new LinkedHashMap<>();
        for (String file : files) byFile.put(normalise(baseFile(file)), new FileTally());
        for (JsonNode example : root.path("examples")) {
            String path = fileOfExample(example);
            FileTally tally = byFile.computeIfAbsent(path, p -> new FileTally());
            tally.examples++;
            tally.seconds += example.path("run_time").asDouble(0);
            String description = example.path("full_description").asText();
            String status = FileResult.TestCase.PASSED;
            String message = null;
            String id = null;
            switch (example.path("status").asText()) {
                case "failed" -> {
                    tally.failures++;
                    String location = "./" + path + ":" + example.path("line_number").asInt();
                    FileResult.Failure failure = new FileResult.Failure(location, description, example.path("id").asText(location));
                    tally.failed.add(failure);
                    status = FileResult.TestCase.FAILED;
                    JsonNode exception = example.path("exception");
                    message = exception.path("class").asText("") + ": " + exception.path("message").asText("");
                    id = failure.rerunId();
                }
                case "pending" -> {
                    tally.pending++;
                    status = FileResult.TestCase.SKIPPED;
                    message = example.path("pending_message").asText(null);
                }
                default -> { }
            }
            tally.cases.add(new FileResult.TestCase(classname(path), description, example.path("run_time").asDouble(0), status, message, id));
        }
        List<FileResult> results = new ArrayList<>();
        byFile.forEach((path, t) -> results.add(new FileResult(path, t.examples, t.failures, t.pending, t.seconds, List.copyOf(t.failed),
                Map.of(), List.copyOf(t.cases))));
        int errors = root.path("summary").path("errors_outside_of_examples_count").asInt(0);
        return new Results(results, errors);
    }

    @Override
    public String testsNoun() {
        return "examples";
    }

    @Override
    public String totalsLine(Totals t) {
        StringBuilder line = new StringBuilder()
                .append(plural(t.examples(), "example")).append(", ").append(plural(t.failures(), "failure"));
        if (t.pending() > 0) line.append(", ").append(t.pending()).append(" pending");
        if (t.errors() > 0) line.append(", ").append(plural(t.errors(), "error")).append(" occurred outside of examples");
        return line.toString();
    }

    @Override
    public String rerunCommand(FileResult.Failure failure) {
        return "rspec " + ShellWords.quote(failure.location());
    }

    /** A job entry is a file, or examples of one by id: "spec/a_spec.rb[1:2,1:3:1]". */
    private static final Pattern ENTRY = Pattern.compile("([^\\[\\]]+)(\\[[0-9]+(?::[0-9]+)*(?:,[0-9]+(?::[0-9]+)*)*])?");

    @Override
    public String fileOf(String entry) {
        Matcher m = ENTRY.matcher(entry);
        if (!m.matches()) throw new IllegalArgumentException("not a spec file or a list of example ids in one: " + entry);
        return m.group(1);
    }

    @Override
    public boolean rerunsById() {
        return true;
    }

    /**
     * Jobs go to warm workers that booted rspec ahead: a job costs rspec's own setup and a round trip (30-50 ms
     * measured), plus what spec_helper loads in each worker's first job, which the measurement then counts.
     */
    @Override
    public double assumedJobOverhead() {
        return 0.1;
    }

    @Override
    public boolean canSplit() {
        return true;
    }

    /**
     * Lists the files' examples with {@code rspec --dry-run} and cuts each file's examples, in the order they are
     * defined, into runs of about equal count: "spec/a_spec.rb[1:1,1:2]", "spec/a_spec.rb[1:3,2:1]". Neighbours stay
     * together, so a group's before(:all) hooks run in as few parts as possible.
     */
    @Override
    public Map<String, List<String>> split(Path root, Map<String, Integer> pieces, List<String> options, Path tools) throws IOException, InterruptedException {
        if (pieces.isEmpty()) return Map.of();
        List<String> arguments = new ArrayList<>(options);
        pieces.keySet().stream().sorted().forEach(f -> arguments.add(relative(f)));
        JsonNode examples = DryRun.json(root, List.of("rspec", "--dry-run", "--format", "json"), arguments).path("examples");
        Map<String, List<String>> idsByFile = new HashMap<>();
        for (JsonNode example : examples) {
            String id = example.path("id").asText("");
            int bracket = id.indexOf('[');
            if (bracket < 0 || !id.endsWith("]")) continue;
            idsByFile.computeIfAbsent(normalise(id.substring(0, bracket)), f -> new ArrayList<>()).add(id.substring(bracket + 1, id.length() - 1));
        }
        idsByFile.values().forEach(ids -> ids.sort(RSpecAdapter::compareIds));
        return DryRun.cut(pieces, file -> idsByFile.getOrDefault(normalise(file), List.of()), (file, ids) -> file + "[" + String.join(",", ids) + "]");
    }

    /** Example ids in definition order: "1:2" before "1:10" before "2". */
    static int compareIds(String a, String b) {
        String[] x = a.split(":"), y = b.split(":");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = Long.compare(Long.parseLong(x[i]), Long.parseLong(y[i]));
            if (c != 0) return c;
        }
        return Integer.compare(x.length, y.length);
    }

    /**
     * The spec file an example belongs to: its id names the file rspec loaded, even for an example defined by
     * shared examples elsewhere (whose file_path is that other file).
     */
    private static String fileOfExample(JsonNode example) {
        String id = example.path("id").asText("");
        int bracket = id.indexOf('[');
        return normalise(bracket > 0 ? id.substring(0, bracket) : example.path("file_path").asText());
    }

    /** The file of a job entry, which may name examples in it: "./spec/a_spec.rb[1:2]" or "spec/a_spec.rb:12". */
    static String baseFile(String entry) {
        int bracket = entry.indexOf('[');
        if (bracket > 0 && entry.endsWith("]")) return entry.substring(0, bracket);
        return entry.replaceFirst(":[0-9:]+$", "");
    }

    /** "spec/models/user_spec.rb" → "spec.models.user_spec", as JUnit reports name a test's class. */
    static String classname(String path) {
        return path.replaceFirst("\\.rb$", "").replace('/', '.');
    }

    static String normalise(String path) {
        return path.startsWith("./") ? path.substring(2) : path;
    }

    private static String relative(String path) {
        return path.startsWith("./") || path.startsWith("/") ? path : "./" + path;
    }

    private static String plural(int n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }

    private static final class FileTally {
        int examples, failures, pending;
        double seconds;
        final List<FileResult.Failure> failed = new ArrayList<>();
        final List<FileResult.TestCase> cases = new ArrayList<>();
    }
}
