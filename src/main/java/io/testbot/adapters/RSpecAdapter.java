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

/**
 * RSpec: a job runs as `rspec` would in the project (its .rspec, formatters and all), through testbot's worker
 * script, which adds the JSON formatter to a file for the server and lets a spec file that fails to load cost only
 * itself.
 */
public final class RSpecAdapter implements RubyFramework {
    @Override
    public String name() {
        return "rspec";
    }

    @Override
    public List<String> defaultPatterns() {
        return List.of("spec/**/*_spec.rb");
    }

    /** One job in a process of its own: the worker script runs it, with the same additions, and exits with its status. */
    @Override
    public List<String> command(List<String> files, List<String> options, Path resultFile) throws IOException {
        List<String> command = new ArrayList<>(List.of("ruby", Resources.unpackRubyWorker(WORKER, resultFile.getParent()).toString(),
                "--job", resultFile.toString()));
        command.addAll(arguments(files, options));
        return command;
    }

    /** What `rspec` is given: the options, then the entries. */
    private static List<String> arguments(List<String> files, List<String> options) {
        List<String> arguments = new ArrayList<>(options);
        files.forEach(f -> arguments.add(relative(f)));
        return arguments;
    }

    static final String WORKER = "testbot_rspec_worker.rb";
    static final String FILES = "testbot_rspec_files.rb";
    /** The requester's global options file's text (~/.rspec), which the worker reads instead of the runner's. */
    static final String GLOBAL_OPTIONS_VARIABLE = "TESTBOT_RSPEC_GLOBAL_OPTIONS";

    @Override
    public java.util.Set<String> requesterVariables() {
        return java.util.Set.of("SPEC_OPTS", GLOBAL_OPTIONS_VARIABLE, Bundling.GEMFILE_VARIABLE);
    }

    /**
     * SPEC_OPTS, the text of ~/.rspec (empty when there is none, so that a runner's own does not count), and
     * BUNDLE_GEMFILE for a project with a resolved bundle (see {@link Bundling}).
     */
    @Override
    public Map<String, String> requesterEnvironment(Path root) throws IOException {
        Map<String, String> values = new java.util.TreeMap<>(Bundling.environment(root));
        String specOpts = System.getenv("SPEC_OPTS");
        if (specOpts != null) values.put("SPEC_OPTS", specOpts);
        Path global = globalOptionsFile();
        values.put(GLOBAL_OPTIONS_VARIABLE, global != null && Files.isRegularFile(global) ? Files.readString(global) : "");
        return values;
    }

    /**
     * Where rspec reads its global options: $XDG_CONFIG_HOME/rspec/options (~/.config/rspec/options) when that
     * exists, else ~/.rspec; null without a home.
     */
    static Path globalOptionsFile() {
        String home = System.getenv("HOME");
        if (home == null || home.isBlank()) return null;
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path xdgFile = (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(home, ".config")).resolve("rspec/options");
        return Files.isRegularFile(xdgFile) ? xdgFile : Path.of(home, ".rspec");
    }

    /** An option that changes which files rspec runs, or ERB that could write one. */
    private static final Pattern SELECTS_FILES = Pattern.compile("(?:^|[\\s'\"])(?:-P|--pattern|--exclude-pattern|--default-path|-O|--options)|<%");

    /**
     * rspec's own choice of files when any of its sources of options (.rspec, .rspec-local, the global options
     * file, SPEC_OPTS, the options given) holds an option that changes it; null when none does, and testbot's
     * pattern, rspec's default, finds the same files without starting Ruby.
     */
    @Override
    public List<String> filesToRun(Path root, List<String> patterns, List<String> paths, List<String> options, Path tools)
            throws IOException, InterruptedException {
        if (!choosesFiles(root, patterns, options)) return null;
        boolean ownPattern = !patterns.equals(defaultPatterns());
        List<String> arguments = new ArrayList<>(options);
        if (ownPattern) arguments.addAll(List.of("--pattern", String.join(",", patterns)));
        arguments.addAll(paths);
        return DryRun.filesToRun("rspec", root, Resources.unpack(FILES, tools, FILES), arguments);
    }

    @Override
    public boolean choosesFiles(Path root, List<String> patterns, List<String> options) throws IOException {
        StringBuilder sources = new StringBuilder(String.join(" ", options)).append('\n');
        for (Path file : new Path[]{root.resolve(".rspec"), root.resolve(".rspec-local"), globalOptionsFile()}) {
            if (file != null && Files.isRegularFile(file)) sources.append(Files.readString(file)).append('\n');
        }
        String specOpts = System.getenv("SPEC_OPTS");
        if (specOpts != null) sources.append(specOpts);
        return !patterns.equals(defaultPatterns()) || SELECTS_FILES.matcher(sources).find();
    }

    /**
     * A spare preloaded the installed rspec-core, -expectations, -mocks and -support: a project that is one of them
     * (rspec's own repositories) would test those instead of its lib (found on rspec-expectations, whose own lib rspec
     * alone loads).
     */
    @Override
    public boolean sparesServe(Path root) {
        return java.util.stream.Stream.of("core", "expectations", "mocks", "support").noneMatch(lib -> Files.isRegularFile(root.resolve("lib/rspec/" + lib + ".rb")));
    }

    /** rspec booted once per instance and build: testbot_rspec_worker.rb runs each job with RSpec::Core::Runner. */
    @Override
    public String workerScript() {
        return WORKER;
    }

    /**
     * Its worker booted ahead loads what the last build's job loaded before its examples: the --require files and the
     * helpers every spec file of the job requires (testbot_rspec_worker.rb).
     */
    @Override
    public boolean workerBootsProject() {
        return true;
    }

    @Override
    public String workerJob(List<String> files, List<String> options, Path resultFile) {
        return Resources.jsonLine(job(files, options, resultFile));
    }

    private Map<String, Object> job(List<String> files, List<String> options, Path resultFile) {
        return Map.of("args", arguments(files, options), "json", resultFile.toString());
    }

    /** Whole spec files only: a job of examples (a file's part, after splitting) is not shared. */
    @Override
    public boolean sharesFiles(List<String> files) {
        return files.stream().allMatch(f -> baseFile(f).equals(f));
    }

    @Override
    public String workerJob(List<String> files, List<String> options, Path resultFile, Path claims) {
        return claims == null ? workerJob(files, options, resultFile) : Resources.sharedJobLine(job(files, options, resultFile), claims, files);
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
        Map<String, String> loadErrors = loadErrors(resultFile);
        List<FileResult> results = new ArrayList<>();
        byFile.forEach((path, t) -> results.add(loadErrors.containsKey(path) && t.examples == 0 ? FileResult.notLoaded(path, loadErrors.get(path))
                : new FileResult(path, t.examples, t.failures, t.pending, t.seconds, List.copyOf(t.failed), Map.of(), List.copyOf(t.cases))));
        // rspec counts a file that failed to load as an error outside of examples: here it is that file's.
        int errors = root.path("summary").path("errors_outside_of_examples_count").asInt(0) - loadErrors.size();
        return new Results(results, Math.max(0, errors));
    }

    /** The spec files that failed to load, with their errors, as the worker wrote them beside the results. */
    private static Map<String, String> loadErrors(Path resultFile) throws IOException {
        Path side = Adapter.sideFile(resultFile);
        if (!Files.isRegularFile(side)) return Map.of();
        Map<String, String> errors = new LinkedHashMap<>();
        for (JsonNode error : Json.MAPPER.readTree(side.toFile()).path("load_errors")) {
            errors.put(normalise(error.path("file").asText()), error.path("error").asText("did not load"));
        }
        return errors;
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
        // As rspec counts them: a file that failed to load is an error outside of examples, and so is a job without results.
        int errors = t.errors() + t.notLoaded();
        if (errors > 0) line.append(", ").append(plural(errors, "error")).append(" occurred outside of examples");
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
        // Through the worker script: its JSON formatter stays whatever SPEC_OPTS or .rspec say about formatters.
        Path worker = Resources.unpackRubyWorker(WORKER, tools);
        arguments.add(0, "--dry-run");
        JsonNode examples = DryRun.json("rspec", root, List.of("ruby", worker.toString()), List.of("--job"), arguments).path("examples");
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
