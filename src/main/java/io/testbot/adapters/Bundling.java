package io.testbot.adapters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Ruby frameworks run under Bundler when the project has a Gemfile, as `bundle exec rspec` would (parallel_tests
 * does the same): the build carries BUNDLE_GEMFILE=Gemfile, which Bundler takes relative to the project's copy on
 * each runner, and the runner starts the job's command with `bundle exec`. .testbot.yml's {@code bundle_exec: false}
 * turns it off.
 */
public final class Bundling {
    private Bundling() {}

    public static final String GEMFILE_VARIABLE = "BUNDLE_GEMFILE";

    /** BUNDLE_GEMFILE for a project with a Gemfile at its root; nothing otherwise (the requester's own is never sent). */
    static Map<String, String> environment(Path root) {
        return Files.isRegularFile(root.resolve("Gemfile")) ? Map.of(GEMFILE_VARIABLE, "Gemfile") : Map.of();
    }

    /** Whether a job with this environment runs under Bundler. */
    public static boolean bundled(Map<String, String> environment) {
        return environment.get(GEMFILE_VARIABLE) != null;
    }

    /** The command as it runs for a job with this environment: behind `bundle exec` when bundled. */
    public static List<String> command(Map<String, String> environment, List<String> command) {
        if (!bundled(environment)) return command;
        List<String> wrapped = new ArrayList<>(List.of("bundle", "exec"));
        wrapped.addAll(command);
        return wrapped;
    }
}
