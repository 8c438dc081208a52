package io.testbot.requester;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Finds the test files of a run: the paths given (files, or directories searched by pattern), or the default pattern. */
public final class TestFiles {
    private TestFiles() {}

    /**
     * @param patterns globs relative to the project root, e.g. "spec/**&#47;*_spec.rb" ("**&#47;" also matches no directory)
     * @param paths    files or directories given on the command line, relative to root or absolute within it
     */
    public static List<String> collect(Path root, List<String> patterns, List<String> paths) throws IOException {
        Path base = root.toAbsolutePath().normalize();
        TreeSet<String> found = new TreeSet<>();
        if (paths.isEmpty()) {
            walk(base, base, patterns, found, false);
        } else {
            for (String given : paths) {
                Path path = base.resolve(given).normalize();
                if (!Files.exists(path) && given.matches(".*:[0-9:\\[\\]]+$")) {
                    throw new IllegalArgumentException("testbot runs whole files; drop the line number or example id from " + given);
                }
                if (!path.startsWith(base)) throw new IllegalArgumentException(given + " is outside the project " + base);
                if (Files.isDirectory(path)) walk(base, path, patterns, found, true);
                else if (Files.isRegularFile(path)) found.add(base.relativize(path).toString());
                else throw new IllegalArgumentException("no such file or directory: " + given);
            }
        }
        return new ArrayList<>(found);
    }

    static List<PathMatcher> matchers(List<String> patterns) {
        return io.testbot.adapters.Adapter.matchers(patterns);
    }

    /** Matchers for the file-name part of each pattern ("*_spec.rb" of "spec/**&#47;*_spec.rb"). */
    static List<PathMatcher> nameMatchers(List<String> patterns) {
        return patterns.stream().map(p -> FileSystems.getDefault().getPathMatcher("glob:" + p.substring(p.lastIndexOf('/') + 1))).toList();
    }

    private static void walk(Path base, Path dir, List<String> patterns, TreeSet<String> found, boolean byName) throws IOException {
        List<PathMatcher> matchers = byName ? nameMatchers(patterns) : matchers(patterns);
        try (Stream<Path> stream = Files.walk(dir)) {
            stream.filter(Files::isRegularFile).forEach(file -> {
                Path relative = base.relativize(file);
                if (relative.startsWith(".git") || relative.startsWith("node_modules")) return;
                Path candidate = byName ? relative.getFileName() : relative;
                if (matchers.stream().anyMatch(m -> m.matches(candidate))) found.add(relative.toString());
            });
        }
    }
}
