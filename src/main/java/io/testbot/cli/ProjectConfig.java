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
        @JsonProperty("bundle_exec") Boolean bundleExec) {

    static final String KNOWN = "server, token_file, instances, before_run, ignore, runner_timeout, job_timeout, rspec_options, "
            + "spec_pattern, test_options, test_pattern, cucumber_options, feature_pattern, run_command, run_pattern, bundle_exec";

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
        return new ProjectConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** Reads root/.testbot.yml, or returns an empty config when there is none. */
    public static ProjectConfig load(Path root) throws ConfigException {
        Path file = root.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) return empty();
        try {
            ProjectConfig config = Yaml.MAPPER.readValue(file.toFile(), ProjectConfig.class);
            return config == null ? empty() : config;
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(file + ": unknown setting '" + e.getPropertyName() + "' (known: " + KNOWN + ")");
        } catch (IOException e) {
            throw new ConfigException(file + ": " + e.getMessage().lines().findFirst().orElse("unreadable"));
        }
    }

    /** A configuration the user must fix (exit 2). */
    public static final class ConfigException extends Exception {
        public ConfigException(String message) {
            super(message);
        }
    }
}
