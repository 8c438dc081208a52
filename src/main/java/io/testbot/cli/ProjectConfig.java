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
        @JsonProperty("job_timeout") Integer jobTimeout) {

    public static final String FILE_NAME = ".testbot.yml";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);

    /** rspec_options as arguments: a list is taken as it is, a string is split on white space. */
    public List<String> rspecOptionList() {
        if (rspecOptions == null) return List.of();
        if (rspecOptions instanceof List<?> list) return list.stream().map(String::valueOf).toList();
        String text = String.valueOf(rspecOptions).strip();
        return text.isEmpty() ? List.of() : List.of(text.split("\\s+"));
    }

    public static ProjectConfig empty() {
        return new ProjectConfig(null, null, null, null, null, null, null, null, null);
    }

    /** Reads root/.testbot.yml, or returns an empty config when there is none. */
    public static ProjectConfig load(Path root) throws ConfigException {
        Path file = root.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) return empty();
        try {
            ProjectConfig config = YAML.readValue(file.toFile(), ProjectConfig.class);
            return config == null ? empty() : config;
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(file + ": unknown setting '" + e.getPropertyName() + "' (known: server, token_file, instances, before_run, rspec_options, spec_pattern, ignore, runner_timeout, job_timeout)");
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
