package io.testbot.adapters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Ruby frameworks run under Bundler when the project has a resolved bundle (a Gemfile and its Gemfile.lock), as
 * `bundle exec rspec` would (parallel_tests goes by the Gemfile alone; without a lock file Bundler would have to
 * resolve the bundle again on every runner, and a gem's checkout often has none): the build carries
 * BUNDLE_GEMFILE=Gemfile, which Bundler takes relative to the project's copy on each runner, and the runner starts
 * the job's command with `bundle exec`. {@code --bundle-exec} / {@code --no-bundle-exec} (or bundle_exec in
 * .testbot.yml) decide it either way.
 */
public final class Bundling {
    private Bundling() {}

    public static final String GEMFILE_VARIABLE = "BUNDLE_GEMFILE";

    /** BUNDLE_GEMFILE for a project with a resolved bundle at its root; nothing otherwise (the requester's own is never sent). */
    static Map<String, String> environment(Path root) {
        return Files.isRegularFile(root.resolve("Gemfile.lock")) ? environment(root, true) : Map.of();
    }

    /** BUNDLE_GEMFILE when asked for and the project has a Gemfile at its root; nothing otherwise. */
    public static Map<String, String> environment(Path root, boolean bundled) {
        return bundled && Files.isRegularFile(root.resolve("Gemfile")) ? Map.of(GEMFILE_VARIABLE, "Gemfile") : Map.of();
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
