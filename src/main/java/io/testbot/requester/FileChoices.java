package io.testbot.requester;

import io.testbot.adapters.Adapter;
import io.testbot.protocol.Json;
import io.testbot.protocol.Version;
import io.testbot.sync.Hashing;
import io.testbot.sync.PrivateFiles;
import io.testbot.sync.ProjectScanner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The files a framework's own configuration chooses ({@link Adapter#filesToRun}: a Ruby process that asks rspec or
 * cucumber, 0.15–0.3 s of every run), kept from the project's last run and used again while nothing the answer could
 * depend on changed: the framework and its arguments, testbot's version and jar, the variables of this environment, the
 * framework's configuration files (their contents), and the paths of the project's files and directories (the
 * ignored left out). The frameworks choose files by their paths and their configuration, never by what a test file
 * holds (tags choose examples and scenarios, not files), so a file added, removed or renamed, a profile, `.rspec`
 * or `~/.rspec` changed, asks the framework again, and a test that writes a file (a database, a coverage report)
 * only once it adds one.
 */
final class FileChoices {
    private FileChoices() {}

    record Kept(String key, List<String> files) {}

    /** The frameworks' own configuration files in a project (rspec's, cucumber's profiles, Surefire's in the effective POM). */
    private static final List<String> CONFIGURATION = List.of(".rspec", ".rspec-local", "cucumber.yml", "cucumber.yaml", ".config/cucumber.yml",
            ".config/cucumber.yaml", "config/cucumber.yml", "config/cucumber.yaml", io.testbot.adapters.SurefireSettings.EFFECTIVE_POM);

    /** As {@link Adapter#filesToRun}, answered from the cache dir when nothing changed since the framework was last asked. */
    static List<String> filesToRun(Adapter adapter, Path root, List<String> patterns, List<String> paths, List<String> options,
                                   List<String> ignores, Path cacheDir) throws IOException, InterruptedException {
        if (!adapter.choosesFiles(root, patterns, options)) return null;
        Path file = cacheDir.resolve("choices").resolve(Hashing.sha256(root.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16)
                + "-" + adapter.name() + ".json");
        // Taken before the framework is asked: a file changed meanwhile makes the next run ask again.
        String key = key(adapter, root, patterns, paths, options, ignores);
        try {
            Kept kept = Json.MAPPER.readValue(file.toFile(), Kept.class);
            if (key.equals(kept.key()) && kept.files() != null) return kept.files();
        } catch (IOException absentOrDamaged) {
            // ask the framework
        }
        List<String> files = adapter.filesToRun(root, patterns, paths, options, cacheDir.resolve("tools"));
        if (files != null) {
            PrivateFiles.directory(file.getParent());
            Kept answer = new Kept(key, files);
            ReportFiles.writeAtomically(file, out -> Json.MAPPER.writeValue(out, answer));
        }
        return files;
    }

    static String key(Adapter adapter, Path root, List<String> patterns, List<String> paths, List<String> options, List<String> ignores)
            throws IOException {
        StringBuilder text = new StringBuilder();
        text.append(Version.CURRENT).append('\n').append(adapter.name()).append('\n').append(root).append('\n');
        // Another build of testbot may ask the framework differently (its helper scripts are in the jar).
        java.util.Optional<Path> jar = Version.jar();
        if (jar.isPresent()) text.append(Files.size(jar.get())).append(' ').append(Files.getLastModifiedTime(jar.get()).toMillis()).append('\n');
        for (List<String> list : List.of(patterns, paths, options, ignores)) text.append(String.join("\u0000", list)).append('\n');
        KeptWarm.variables(System.getenv()).forEach((name, digest) -> text.append(name).append('=').append(digest).append('\n'));
        new TreeMap<>(adapter.requesterEnvironment(root)).forEach((name, value) -> text.append(name).append('=').append(value).append('\n'));
        for (String name : CONFIGURATION) {
            Path config = root.resolve(name);
            if (Files.isRegularFile(config)) text.append(name).append(":\n").append(Files.readString(config)).append('\n');
        }
        for (String entry : listing(root, ignores)) text.append(entry).append('\n');
        return Hashing.sha256(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The paths of every file and directory of the project but the ignored, sorted. */
    private static List<String> listing(Path root, List<String> ignores) throws IOException {
        ProjectScanner scanner = new ProjectScanner(ignores, io.testbot.sync.HashCache.none());
        List<String> entries = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (!dir.equals(root) && scanner.ignored(root.relativize(dir))) return FileVisitResult.SKIP_SUBTREE;
                entries.add(root.relativize(dir) + "/");
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path path, BasicFileAttributes attrs) {
                Path relative = root.relativize(path);
                if (!scanner.ignored(relative)) entries.add(relative.toString());
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path path, IOException e) {
                entries.add(root.relativize(path) + " unreadable");
                return FileVisitResult.CONTINUE;
            }
        });
        entries.sort(null);
        return entries;
    }
}
