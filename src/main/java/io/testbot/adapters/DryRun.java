package io.testbot.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import io.testbot.protocol.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Splitting a file by its tests: run the framework here, in the project, to list them (rspec --dry-run,
 * cucumber --dry-run, the JUnit launcher's discover), then cut each file's tests into runs of neighbours.
 */
final class DryRun {
    private DryRun() {}

    static final Duration TIMEOUT = Duration.ofSeconds(120);

    /**
     * Runs {@code command --out FILE arguments} in root, dropping its console output, and returns the JSON it
     * wrote to FILE.
     */
    static JsonNode json(Path root, List<String> command, List<String> arguments) throws IOException, InterruptedException {
        return json(Path.of(command.get(0)).getFileName().toString(), root, command, List.of("--out"), arguments);
    }

    /** As above, with what comes before FILE: {@code command before FILE arguments}; name is the framework's, for messages. */
    static JsonNode json(String name, Path root, List<String> command, List<String> before, List<String> arguments) throws IOException, InterruptedException {
        Path json = Files.createTempFile("testbot-dry-run", ".json");
        try {
            List<String> full = new ArrayList<>(command);
            full.addAll(before);
            full.add(json.toString());
            full.addAll(arguments);
            run(name, full, root, ProcessBuilder.Redirect.DISCARD);
            return Json.MAPPER.readTree(json.toFile());
        } finally {
            Files.deleteIfExists(json);
        }
    }

    /**
     * Cuts each file's tests, in the order given, into the wanted number of runs of about equal count (fewer when
     * it has fewer tests); a file that would make fewer than two runs is left out.
     *
     * @param tests each file's tests in order
     * @param part  the job entry for a run of a file's tests
     */
    static Map<String, List<String>> cut(Map<String, Integer> pieces, Function<String, List<String>> tests,
                                         BiFunction<String, List<String>, String> part) {
        Map<String, List<String>> parts = new LinkedHashMap<>();
        pieces.forEach((file, wanted) -> {
            List<String> all = tests.apply(file);
            int k = Math.min(wanted, all.size());
            if (k < 2) return;
            List<String> fileParts = new ArrayList<>();
            for (int i = 0; i < k; i++) fileParts.add(part.apply(file, all.subList(i * all.size() / k, (i + 1) * all.size() / k)));
            parts.put(file, fileParts);
        });
        return parts;
    }

    /**
     * Asks the framework, through a helper script of testbot's (testbot_rspec_files.rb, say), which test files it
     * would run in root with these arguments: the helper prints JSON, {"files": [...], "outside": [...]}, as its
     * last line.
     *
     * @throws IllegalArgumentException when the framework would run files outside the project
     */
    static List<String> filesToRun(String name, Path root, Path helper, List<String> arguments) throws IOException, InterruptedException {
        String said = output(name, List.of("ruby", helper.toString(), Json.MAPPER.writeValueAsString(arguments)), root);
        // The answer is the last line; warnings may come before it.
        String last = said.strip().lines().reduce((first, second) -> second).orElse("");
        JsonNode answer = last.startsWith("{") ? Json.MAPPER.readTree(last) : null;
        if (answer == null || !answer.has("files")) throw new IOException(name + " did not say which files it runs: " + said.strip());
        if (!answer.path("outside").isEmpty()) {
            throw new IllegalArgumentException(name + " would run files outside the project, which testbot cannot send: " + answer.path("outside").get(0).asText());
        }
        List<String> files = new ArrayList<>();
        answer.path("files").forEach(file -> files.add(file.asText()));
        return files;
    }

    /** Runs the command in root and returns what it printed; name is the framework's, for messages. */
    static String output(String name, List<String> command, Path root) throws IOException, InterruptedException {
        Path output = Files.createTempFile("testbot-dry-run", ".txt");
        try {
            run(name, command, root, ProcessBuilder.Redirect.to(output.toFile()));
            return Files.readString(output);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static void run(String name, List<String> command, Path root, ProcessBuilder.Redirect output) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).redirectOutput(output).start();
        } catch (IOException e) {
            throw new IOException("cannot run " + name + " here: " + e.getMessage(), e);
        }
        try {
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) throw new IOException("listing the tests with " + name + " took longer than " + TIMEOUT.toSeconds() + " s");
        } finally {
            process.destroyForcibly();
        }
        if (process.exitValue() != 0) throw new IOException("listing the tests with " + name + " failed (exit status " + process.exitValue() + ")");
    }
}
