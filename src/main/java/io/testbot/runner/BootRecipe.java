package io.testbot.runner;

import io.testbot.adapters.Adapter;
import io.testbot.protocol.FileEntry;
import io.testbot.protocol.ManifestDelta;
import io.testbot.sync.Manifests;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an instance's warm worker was booted with in a synced copy of a project: enough to boot another like it
 * ahead of the next build (see {@link InstanceWorkers#prebootIdle}), and to decide whether one booted so may run a
 * job of a later build. It may when that job's worker would be booted the same way (framework, command, options,
 * directory, variables) and the build changed nothing the boot could have read: every file that differs between the snapshot
 * the worker booted on and the build's is a test file by the framework's own patterns, and none the boot loaded.
 * Any other change (a library, a YAML file, the Gemfile, a file the helper required) means booting anew.
 *
 * @param copy  the runner's copy at root (compared as the same object: a copy housekeeping deleted and a build made
 *              again is not the directory a worker booted ahead is in)
 * @param files the copy's snapshot, by path
 * @param options the build's options for the framework (cucumber's decide which support code loads)
 * @param patterns the globs that found the build's test files; empty for the framework's own
 * @param job   the worker's line of the job the recipe was taken for: a framework that loads the project only in a
 *              job (cucumber's support code) loads it ahead configured as that job was; not compared
 */
record BootRecipe(Adapter adapter, List<String> command, List<String> options, Path root, Object copy, Map<String, String> variables,
                  Map<String, FileEntry> files, List<String> patterns, String job) {

    static BootRecipe of(Adapter adapter, List<String> command, List<String> options, Path root, Object copy, Map<String, String> variables,
                         Map<String, FileEntry> files, List<String> patterns, String job) {
        // A job's variables may unset one with a null value, which Map.copyOf refuses.
        return new BootRecipe(adapter, List.copyOf(command), List.copyOf(options), root, copy,
                java.util.Collections.unmodifiableMap(new java.util.HashMap<>(variables)), files, List.copyOf(patterns), job);
    }

    /** The same boot on another snapshot of its directory. */
    BootRecipe withFiles(Map<String, FileEntry> snapshot) {
        return new BootRecipe(adapter, command, options, root, copy, variables, snapshot, patterns, job);
    }

    /**
     * Why a worker booted from this recipe cannot run a job whose worker would be booted from wanted; null when it
     * can.
     *
     * @param loaded the files the worker's boot loaded (absolute paths), or null when not known yet (the worker is
     *               still booting): then only what does not depend on them is checked
     */
    String misfit(BootRecipe wanted, Set<Path> loaded) {
        if (!adapter.name().equals(wanted.adapter.name())) return "another framework";
        if (!command.equals(wanted.command)) return "another command";
        if (!options.equals(wanted.options)) return "other options";
        if (!root.equals(wanted.root) || copy != wanted.copy) return "another directory";
        if (!variables.equals(wanted.variables)) return "other variables";
        ManifestDelta change = Manifests.delta(null, files, null, wanted.files.values());
        // The build to run decides what its test files are: a file it runs as a test is one its jobs load, not its boot.
        List<PathMatcher> tests = Adapter.matchers(wanted.patterns.isEmpty() ? adapter.defaultPatterns() : wanted.patterns);
        for (String removed : change.removed()) {
            if (!isTest(removed, tests)) return removed + " removed";
        }
        for (FileEntry changed : change.changed()) {
            if (!isTest(changed.path(), tests)) return changed.path() + " changed";
        }
        if (loaded == null) return null;
        Path realRoot = realPath(root);
        for (String path : paths(change)) {
            if (loaded.contains(root.resolve(path).normalize()) || loaded.contains(realRoot.resolve(path).normalize())) return path + " changed, which its boot loaded";
        }
        return null;
    }

    private static List<String> paths(ManifestDelta change) {
        java.util.ArrayList<String> paths = new java.util.ArrayList<>(change.removed());
        change.changed().forEach(entry -> paths.add(entry.path()));
        return paths;
    }

    private boolean isTest(String path, List<PathMatcher> tests) {
        Path relative = Path.of(path);
        return adapter.isTestFile(path) && tests.stream().anyMatch(matcher -> matcher.matches(relative));
    }

    private static Path realPath(Path dir) {
        try {
            return dir.toRealPath();
        } catch (IOException gone) {
            return dir;
        }
    }
}
