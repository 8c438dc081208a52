package io.testbot.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The project's .testbot.yml. Every key is optional. */
public record ProjectConfig(
        String server,
        @JsonProperty("token_file") String tokenFile,
        Integer instances,
        @JsonProperty("before_run") String beforeRun,
        @JsonProperty("rspec_options") Object rspecOptions,
        @JsonProperty("spec_pattern") String specPattern,
        List<String> ignore,
        @JsonProperty("runner_timeout") Integer runnerTimeout,
        @JsonProperty("job_timeout") Integer jobTimeout,
        @JsonProperty("test_options") Object testOptions,
        @JsonProperty("test_pattern") String testPattern,
        @JsonProperty("cucumber_options") Object cucumberOptions,
        @JsonProperty("feature_pattern") String featurePattern,
        @JsonProperty("run_command") String runCommand,
        @JsonProperty("run_pattern") String runPattern,
        @JsonProperty("bundle_exec") Boolean bundleExec,
        @JsonProperty("keep_warm") Boolean keepWarm) {

    static final String KNOWN = "server, token_file, instances, before_run, ignore, runner_timeout, job_timeout, rspec_options, "
            + "spec_pattern, test_options, test_pattern, cucumber_options, feature_pattern, run_command, run_pattern, bundle_exec, keep_warm";

    public static final String FILE_NAME = ".testbot.yml";

    /** Built on first use: a project without the file does not pay the YAML reader's start (40-50 ms of every run). */
    private static final class Yaml {
        static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
    }

    /** rspec_options as arguments: a list is taken as it is, a string is split on white space. */
    public List<String> rspecOptionList() {
        return arguments(rspecOptions);
    }

    /** The options for a framework's command (rspec_options, test_options, cucumber_options). */
    public List<String> optionsFor(String adapter) {
        return switch (adapter) {
            case "rspec" -> arguments(rspecOptions);
            case "test" -> arguments(testOptions);
            case "cucumber" -> arguments(cucumberOptions);
            default -> List.of();
        };
    }

    /** The glob that finds a framework's files (spec_pattern, test_pattern, feature_pattern, run_pattern), or null. */
    public String patternFor(String adapter) {
        return switch (adapter) {
            case "rspec" -> specPattern;
            case "test" -> testPattern;
            case "cucumber" -> featurePattern;
            case "run" -> runPattern;
            default -> null;
        };
    }

    private static List<String> arguments(Object value) {
        if (value == null) return List.of();
        if (value instanceof List<?> list) return list.stream().map(String::valueOf).toList();
        String text = String.valueOf(value).strip();
        return text.isEmpty() ? List.of() : List.of(text.split("\\s+"));
    }

    public static ProjectConfig empty() {
        return new ProjectConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** Reads root/.testbot.yml, or returns an empty config when there is none. */
    public static ProjectConfig load(Path root) throws ConfigException {
        Path file = root.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) return empty();
        try {
            // An empty file, or one of comments only, is a file without settings (Jackson has no document to map).
            com.fasterxml.jackson.databind.JsonNode document = Yaml.MAPPER.readTree(file.toFile());
            if (document == null || document.isMissingNode() || document.isNull()) return empty();
            if (!document.isObject()) throw new ConfigException(file + ": expected settings as 'key: value' lines, found " + describe(document));
            // server: [a, b] names servers that share a store: tried in that order, as --connect a,b.
            com.fasterxml.jackson.databind.JsonNode servers = document.get("server");
            if (servers != null && servers.isArray()) {
                List<String> addresses = new java.util.ArrayList<>();
                for (com.fasterxml.jackson.databind.JsonNode address : servers) {
                    if (!address.isTextual() || address.asText().isBlank()) throw new ConfigException(file + ": server: expected an address or a list of addresses, got " + describe(address));
                    addresses.add(address.asText().strip());
                }
                ((com.fasterxml.jackson.databind.node.ObjectNode) document).put("server", String.join(",", addresses));
            }
            ProjectConfig config = Yaml.MAPPER.treeToValue(document, ProjectConfig.class);
            return config == null ? empty() : config;
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(file + ": unknown setting '" + e.getPropertyName() + "' (known: " + KNOWN + ")");
        } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
            throw new ConfigException(file + mismatch(file, e));
        } catch (IOException e) {
            throw new ConfigException(file + ": " + e.getMessage().lines().findFirst().orElse("unreadable"));
        }
    }

    /** What each setting holds, for a user who gave it something else. */
    private static final java.util.Map<String, String> EXPECTED = java.util.Map.ofEntries(
            java.util.Map.entry("server", "an address or a list of addresses"), java.util.Map.entry("instances", "a whole number"), java.util.Map.entry("runner_timeout", "a whole number of seconds"),
            java.util.Map.entry("job_timeout", "a whole number of seconds"), java.util.Map.entry("bundle_exec", "true or false"), java.util.Map.entry("keep_warm", "true or false"),
            java.util.Map.entry("ignore", "a list of paths or globs"), java.util.Map.entry("rspec_options", "a string or a list of strings"),
            java.util.Map.entry("test_options", "a string or a list of strings"), java.util.Map.entry("cucumber_options", "a string or a list of strings"));

    /** ": line 3: instances: expected a whole number, got 'four'" from Jackson's words, which name Java types. */
    private static String mismatch(Path file, com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
        String key = e.getPath().isEmpty() ? null : e.getPath().get(0).getFieldName();
        if (key == null) return ": " + e.getOriginalMessage().lines().findFirst().orElse("unreadable");
        String expected = EXPECTED.getOrDefault(key, "a string");
        String line = lineOf(file, key);
        String got = e instanceof com.fasterxml.jackson.databind.exc.InvalidFormatException format ? "'" + format.getValue() + "'"
                : "something else (a list or a map?)";
        return (line == null ? "" : ": line " + line) + ": " + key + ": expected " + expected + ", got " + got;
    }

    /** The line that sets the key at the top level, as the user counts lines. */
    private static String lineOf(Path file, String key) {
        try {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) if (lines.get(i).matches("\\s*[\"']?" + java.util.regex.Pattern.quote(key) + "[\"']?\\s*:.*")) return String.valueOf(i + 1);
        } catch (IOException ignored) {
            // the message goes without its line
        }
        return null;
    }

    private static String describe(com.fasterxml.jackson.databind.JsonNode node) {
        return node.isArray() ? "a list" : "'" + node.asText() + "'";
    }

    /** A configuration the user must fix (exit 2). */
    public static final class ConfigException extends Exception {
        public ConfigException(String message) {
            super(message);
        }
    }
}
