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

    @Override
    public String displayCommand(List<String> files, List<String> options) {
        List<String> words = new ArrayList<>(List.of("rspec"));
        words.addAll(options);
        files.forEach(f -> words.add(relative(f)));
        return ShellWords.join(words);
    }

    @Override
    public Results readResults(Path resultFile, List<String> files) throws IOException {
        if (!Files.isRegularFile(resultFile) || Files.size(resultFile) == 0) throw new IOException("rspec wrote no JSON results");
        JsonNode root = Json.MAPPER.readTree(resultFile.toFile());
        if (root == null || !root.has("examples")) throw new IOException("rspec JSON results have no examples list");

        Map<String, FileTally> byFile = new LinkedHashMap<>();
        for (String file : files) byFile.put(normalise(fileOf(file)), new FileTally());
        for (JsonNode example : root.path("examples")) {
            String path = normalise(example.path("file_path").asText());
            FileTally tally = byFile.computeIfAbsent(path, p -> new FileTally());
            tally.examples++;
            tally.seconds += example.path("run_time").asDouble(0);
            switch (example.path("status").asText()) {
                case "failed" -> {
                    tally.failures++;
                    String location = "./" + path + ":" + example.path("line_number").asInt();
                    tally.failed.add(new FileResult.Failure(location, example.path("full_description").asText(),
                            example.path("id").asText(location)));
                }
                case "pending" -> tally.pending++;
                default -> { }
            }
        }
        List<FileResult> results = new ArrayList<>();
        byFile.forEach((path, t) -> results.add(new FileResult(path, t.examples, t.failures, t.pending, t.seconds, List.copyOf(t.failed))));
        int errors = root.path("summary").path("errors_outside_of_examples_count").asInt(0);
        return new Results(results, errors);
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

    /** The file of a job entry, which may name examples in it: "./spec/a_spec.rb[1:2]" or "spec/a_spec.rb:12". */
    static String fileOf(String entry) {
        int bracket = entry.indexOf('[');
        if (bracket > 0 && entry.endsWith("]")) return entry.substring(0, bracket);
        return entry.replaceFirst(":[0-9:]+$", "");
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
    }
}
