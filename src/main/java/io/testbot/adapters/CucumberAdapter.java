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
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cucumber: progress output for people, the JSON formatter to a file for the server. Scenarios and steps are
 * counted as cucumber counts them (background steps once per scenario); a feature splits by scenario line.
 */
public final class CucumberAdapter implements RubyFramework {
    /** Cucumber's order of statuses in its summary lines. */
    static final List<String> STATUSES = List.of("failed", "skipped", "undefined", "pending", "passed");
    private static final Pattern ENTRY = Pattern.compile("([^:]+)((?::[0-9]+)+)?");

    @Override
    public String name() {
        return "cucumber";
    }

    @Override
    public List<String> defaultPatterns() {
        return List.of("features/**/*.feature");
    }

    @Override
    public List<String> command(List<String> files, List<String> options, Path resultFile) {
        List<String> command = new ArrayList<>(List.of("cucumber", "--format", "progress", "--format", "json", "--out", resultFile.toString()));
        command.addAll(options);
        command.addAll(files);
        return command;
    }

    static final String WORKER = "testbot_cucumber_worker.rb";

    /** Cucumber booted once per instance and build, its support code loaded once (see testbot_cucumber_worker.rb). */
    @Override
    public String workerScript() {
        return WORKER;
    }

    /** Its worker booted ahead loads the support code, configured as the last build's job was (testbot_cucumber_worker.rb). */
    @Override
    public boolean workerBootsProject() {
        return true;
    }

    /** The arguments of {@link #command} after "cucumber", and the JSON results file, which the worker closes after the job. */
    @Override
    public String workerJob(List<String> files, List<String> options, Path resultFile) {
        return Resources.jsonLine(job(files, options, resultFile));
    }

    private Map<String, Object> job(List<String> files, List<String> options, Path resultFile) {
        List<String> args = command(files, options, resultFile);
        return Map.of("args", args.subList(1, args.size()), "outs", List.of(resultFile.toString()));
    }

    /** Whole feature files only: a job of scenarios (a file's part, after splitting) is not shared. */
    @Override
    public boolean sharesFiles(List<String> files) {
        return files.stream().allMatch(f -> fileOf(f).equals(f));
    }

    /** The same, for a worker that runs a feature file's scenarios only once it has claimed the file (testbot_claims.rb). */
    @Override
    public String workerJob(List<String> files, List<String> options, Path resultFile, Path claims) {
        return claims == null ? workerJob(files, options, resultFile) : Resources.sharedJobLine(job(files, options, resultFile), claims, files);
    }

    static final String FILES = "testbot_cucumber_files.rb";

    /**
     * Cucumber's own choice of feature files when a profile file (cucumber.yml: its default profile may name paths
     * and --exclude them) or options could change it; null otherwise, when testbot's pattern finds what cucumber
     * would run.
     */
    @Override
    public List<String> filesToRun(Path root, List<String> patterns, List<String> paths, List<String> options, Path tools)
            throws IOException, InterruptedException {
        if (!choosesFiles(root, patterns, options)) return null;
        List<String> arguments = new ArrayList<>(options);
        arguments.addAll(paths);
        List<String> files = DryRun.filesToRun("cucumber", root, Resources.unpack(FILES, tools, FILES), arguments);
        if (paths.isEmpty() && !patterns.equals(defaultPatterns())) {
            // testbot's own pattern chooses among what cucumber would run.
            List<java.nio.file.PathMatcher> matchers = patterns.stream().flatMap(p -> java.util.stream.Stream.of(p, p.replace("**/", "")))
                    .map(p -> java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + p)).toList(); // "**/" matches no directory too
            files = files.stream().filter(f -> matchers.stream().anyMatch(m -> m.matches(Path.of(f)))).toList();
        }
        return files;
    }

    @Override
    public boolean choosesFiles(Path root, List<String> patterns, List<String> options) {
        boolean profile = false;
        for (String dir : List.of("", ".config/", "config/")) {
            for (String name : List.of("cucumber.yml", "cucumber.yaml")) profile |= Files.isRegularFile(root.resolve(dir + name));
        }
        return profile || !options.isEmpty();
    }

    @Override
    public String displayCommand(List<String> files, List<String> options) {
        List<String> words = new ArrayList<>(List.of("cucumber"));
        words.addAll(options);
        words.addAll(files);
        return ShellWords.join(words);
    }

    @Override
    public String fileOf(String entry) {
        Matcher m = ENTRY.matcher(entry);
        if (!m.matches()) throw new IllegalArgumentException("not a feature file or scenario lines in one: " + entry);
        return m.group(1);
    }

    @Override
    public Results readResults(Path resultFile, List<String> files, int exitCode, List<String> options) throws IOException {
        if (!Files.isRegularFile(resultFile) || Files.size(resultFile) == 0) throw new IOException("cucumber wrote no JSON results");
        JsonNode root = Json.MAPPER.readTree(resultFile.toFile());
        if (root == null || !root.isArray()) throw new IOException("cucumber's JSON results are not a list of features");
        Map<String, Tally> byFile = new LinkedHashMap<>();
        for (String file : files) byFile.put(fileOf(file), new Tally());
        for (JsonNode feature : root) {
            String uri = feature.path("uri").asText().replaceFirst("^\\./", "");
            Tally tally = byFile.computeIfAbsent(uri, f -> new Tally());
            List<JsonNode> background = List.of();
            for (JsonNode element : feature.path("elements")) {
                List<JsonNode> steps = new ArrayList<>();
                element.path("steps").forEach(steps::add);
                if ("background".equals(element.path("type").asText())) {
                    background = steps;
                    continue;
                }
                List<JsonNode> all = new ArrayList<>();
                element.path("before").forEach(all::add);
                all.addAll(background);
                all.addAll(steps);
                element.path("after").forEach(all::add);
                background = List.of();
                tally.add(uri, feature.path("name").asText(), element, all);
            }
        }
        List<FileResult> results = new ArrayList<>();
        byFile.forEach((path, t) -> results.add(t.result(path)));
        return new Results(results, 0);
    }

    /** "features/a.feature: Parser errors:" and the error on the next line: cucumber stops before it runs anything. */
    private static final Pattern PARSER_ERRORS = Pattern.compile("(?m)^(\\S+\\.feature): Parser errors:\\R(.*)$");

    @Override
    public Map<String, String> notLoaded(String output, List<String> entries) {
        java.util.Set<String> files = new java.util.HashSet<>();
        for (String entry : entries) files.add(fileOf(entry));
        Map<String, String> notLoaded = new TreeMap<>();
        Matcher m = PARSER_ERRORS.matcher(output);
        while (m.find()) {
            String file = m.group(1).replaceFirst("^\\./", "");
            if (files.contains(file)) notLoaded.put(file, "Parser errors: " + m.group(2).strip());
        }
        return notLoaded;
    }

    @Override
    public String testsNoun() {
        return "scenarios";
    }

    @Override
    public String totalsLine(Totals t) {
        String line = summary(t.examples(), "scenario", t, "scenarios_") + "\n" + summary(t.count("steps"), "step", t, "steps_");
        return line + t.problems("\n");
    }

    private static String summary(int total, String noun, Totals t, String prefix) {
        StringBuilder line = new StringBuilder().append(total).append(' ').append(noun).append(total == 1 ? "" : "s");
        List<String> parts = new ArrayList<>();
        for (String status : STATUSES) if (t.count(prefix + status) > 0) parts.add(t.count(prefix + status) + " " + status);
        if (!parts.isEmpty()) line.append(" (").append(String.join(", ", parts)).append(')');
        return line.toString();
    }

    @Override
    public String rerunCommand(FileResult.Failure failure) {
        return ShellWords.join(List.of("cucumber", failure.location()));
    }

    @Override
    public boolean rerunsById() {
        return true;
    }

    @Override
    public boolean canSplit() {
        return true;
    }

    /** Lists the features' scenarios with {@code cucumber --dry-run} and cuts each into runs of neighbouring scenario lines. */
    @Override
    public Map<String, List<String>> split(Path root, Map<String, Integer> pieces, List<String> options, Path tools) throws IOException, InterruptedException {
        if (pieces.isEmpty()) return Map.of();
        List<String> arguments = new ArrayList<>(options);
        arguments.addAll(pieces.keySet().stream().sorted().toList());
        Map<String, List<Integer>> lines = new TreeMap<>();
        for (JsonNode feature : DryRun.json(root, List.of("cucumber", "--dry-run", "--format", "json"), arguments)) {
            String uri = feature.path("uri").asText().replaceFirst("^\\./", "");
            for (JsonNode element : feature.path("elements")) {
                if (!"background".equals(element.path("type").asText())) lines.computeIfAbsent(uri, u -> new ArrayList<>()).add(element.path("line").asInt());
            }
        }
        return DryRun.cut(pieces, file -> lines.getOrDefault(file, List.of()).stream().sorted().map(String::valueOf).toList(),
                (file, scenarioLines) -> file + ":" + String.join(":", scenarioLines));
    }

    private static final class Tally {
        int scenarios, failed, notPassed;
        double seconds;
        final Map<String, Integer> counts = new TreeMap<>();
        final List<FileResult.Failure> failures = new ArrayList<>();
        final List<FileResult.TestCase> cases = new ArrayList<>();

        void add(String uri, String featureName, JsonNode scenario, List<JsonNode> all) {
            String status = "passed";
            String message = null;
            double scenarioSeconds = 0;
            for (JsonNode step : all) {
                JsonNode result = step.path("result");
                String s = result.path("status").asText("passed");
                scenarioSeconds += result.path("duration").asDouble(0) / 1e9;
                if ("failed".equals(s) && !"failed".equals(status)) {
                    status = "failed";
                    message = result.path("error_message").asText(null);
                } else if ("passed".equals(status) && !"passed".equals(s)) {
                    status = s;
                }
            }
            int steps = 0;
            for (JsonNode step : all) {
                if (!step.has("keyword")) continue; // a hook, not a step
                steps++;
                counts.merge("steps_" + step.path("result").path("status").asText("passed"), 1, Integer::sum);
            }
            counts.merge("steps", steps, Integer::sum);
            counts.merge("scenarios_" + status, 1, Integer::sum);
            scenarios++;
            seconds += scenarioSeconds;
            String location = uri + ":" + scenario.path("line").asInt();
            String description = scenario.path("keyword").asText("Scenario") + ": " + scenario.path("name").asText();
            if ("failed".equals(status)) {
                failed++;
                failures.add(new FileResult.Failure(location, description, location));
            } else if (!"passed".equals(status)) {
                notPassed++;
            }
            String caseStatus = switch (status) {
                case "passed" -> FileResult.TestCase.PASSED;
                case "failed" -> FileResult.TestCase.FAILED;
                default -> FileResult.TestCase.SKIPPED;
            };
            cases.add(new FileResult.TestCase(featureName, scenario.path("name").asText() + " (" + location + ")", scenarioSeconds, caseStatus,
                    "failed".equals(status) ? message : "passed".equals(status) ? null : status, "failed".equals(status) ? location : null));
        }

        FileResult result(String path) {
            return new FileResult(path, scenarios, failed, notPassed, seconds, List.copyOf(failures), Map.copyOf(counts), List.copyOf(cases));
        }
    }
}
