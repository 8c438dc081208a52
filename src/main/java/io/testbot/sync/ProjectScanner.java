package io.testbot.sync;

import io.testbot.protocol.FileEntry;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Builds the manifest of a project tree, skipping ignored paths.
 * A rule without a slash matches a file or directory name anywhere (like .gitignore);
 * a rule with a slash is a glob on the path from the project root. Symbolic links are not followed.
 */
public final class ProjectScanner {
    public static final List<String> DEFAULT_IGNORES = List.of(".git", "log", "tmp", "node_modules", ".testbot");

    private final List<PathMatcher> nameRules = new ArrayList<>();
    private final List<PathMatcher> pathRules = new ArrayList<>();
    private final HashCache cache;

    public ProjectScanner(List<String> extraIgnores, HashCache cache) {
        this.cache = cache;
        List<String> rules = new ArrayList<>(DEFAULT_IGNORES);
        rules.addAll(extraIgnores);
        for (String rule : rules) {
            String glob = rule.strip();
            if (glob.endsWith("/")) glob = glob.substring(0, glob.length() - 1);
            boolean anchored = glob.contains("/");
            if (glob.startsWith("/")) glob = glob.substring(1);
            if (glob.isEmpty()) continue;
            (anchored ? pathRules : nameRules).add(FileSystems.getDefault().getPathMatcher("glob:" + glob));
        }
    }

    public boolean ignored(Path relative) {
        Path name = relative.getFileName();
        if (name != null && nameRules.stream().anyMatch(m -> m.matches(name))) return true;
        return pathRules.stream().anyMatch(m -> m.matches(relative));
    }

    /** Scans root and returns its files, sorted by path. */
    public List<FileEntry> scan(Path root) throws IOException {
        Path base = root.toAbsolutePath().normalize();
        List<FileEntry> entries = new ArrayList<>();
        Files.walkFileTree(base, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (!dir.equals(base) && ignored(base.relativize(dir))) return FileVisitResult.SKIP_SUBTREE;
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path relative = base.relativize(file);
                if (!attrs.isRegularFile() || ignored(relative)) return FileVisitResult.CONTINUE;
                String path = relative.toString().replace(file.getFileSystem().getSeparator(), "/");
                if (ManifestPaths.problem(path) != null) return FileVisitResult.CONTINUE;
                String sha = cache.sha256(file, attrs);
                entries.add(new FileEntry(path, sha, attrs.size(), Files.isExecutable(file)));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                return FileVisitResult.CONTINUE; // unreadable files are not part of the snapshot
            }
        });
        entries.sort(Comparator.comparing(FileEntry::path));
        return entries;
    }
}
