package io.testbot.sync;

import io.testbot.protocol.FileEntry;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Builds the manifest of a project tree, skipping ignored paths.
 * A rule without a slash matches a file or directory name anywhere (like .gitignore);
 * a rule with a slash is a glob on the path from the project root. A symbolic link that leads to a file or
 * directory inside the project is shipped as what it leads to (runners get a copy at the link's path); one that
 * leads out of the project, into an ignored path, to nothing, or to a directory that contains it is left out and
 * listed in {@link #skippedLinks}, so that nothing outside the project reaches the runners unasked.
 */
public final class ProjectScanner {
    public static final List<String> DEFAULT_IGNORES = List.of(".git", "log", "tmp", "node_modules", ".testbot");
    /**
     * Ignored directories that are a project's scratch (a run's temporary files, its logs): their contents stay
     * behind, but the empty files that keep them in a checkout ({@link #PLACEHOLDERS}) go, so that a runner's copy has
     * them as a fresh clone does (rspec-mocks' specs open files in tmp/ without making it).
     */
    private static final java.util.Set<String> SCRATCH_DIRECTORIES = java.util.Set.of("log", "tmp");
    private static final List<String> PLACEHOLDERS = List.of(".keep", ".gitkeep");

    /** Rules that are a plain name (.git, tmp): a set lookup per file rather than a glob match. */
    private final java.util.Set<String> literalNames = new java.util.HashSet<>();
    private final List<PathMatcher> nameRules = new ArrayList<>();
    private final List<PathMatcher> pathRules = new ArrayList<>();
    private final HashCache cache;
    private final List<String> skippedLinks = new ArrayList<>();

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
            if (!anchored && glob.chars().noneMatch(c -> "*?[]{}\\".indexOf(c) >= 0)) literalNames.add(glob);
            else (anchored ? pathRules : nameRules).add(FileSystems.getDefault().getPathMatcher("glob:" + glob));
        }
    }

    public boolean ignored(Path relative) {
        Path name = relative.getFileName();
        if (name != null) {
            if (literalNames.contains(name.toString())) return true;
            for (PathMatcher rule : nameRules) if (rule.matches(name)) return true;
        }
        for (PathMatcher rule : pathRules) if (rule.matches(relative)) return true;
        return false;
    }

    /** {@link #ignored(Path)} for a walked file, making Path objects only for the rules that need them. */
    private boolean ignored(String name, String path) {
        if (literalNames.contains(name)) return true;
        if (nameRules.isEmpty() && pathRules.isEmpty()) return false;
        return ignored(Path.of(path));
    }

    /** Scans root and returns its files, sorted by path. */
    public List<FileEntry> scan(Path root) throws IOException {
        Path project = root.toRealPath(); // a project reached through a link is walked where it is
        List<FileEntry> entries = new ArrayList<>();
        skippedLinks.clear();
        List<Found> found = new ArrayList<>();
        walk(project, "", project, List.of(project), found);
        // Digests after the walk: the digest cache is read meanwhile.
        for (Found file : found) entries.add(entry(file.file(), file.path(), file.attrs()));
        entries.sort(Comparator.comparing(FileEntry::path));
        return entries;
    }

    /** The symbolic links the last scan left out, each as "path -> target (why)". */
    public List<String> skippedLinks() {
        return List.copyOf(skippedLinks);
    }

    /**
     * Adds the files under dir, whose manifest paths start with prefix. A walk of its own rather than
     * Files.walkFileTree: that one reads each file's attributes without the mode (so whether it is executable cost a
     * syscall per file) and builds a relative path per file; on 10,000 files this takes half the time.
     *
     * @param chain the real directories walked to get here (the project, then each linked directory)
     */
    private void walk(Path dir, String prefix, Path project, List<Path> chain, List<Found> found) throws IOException {
        java.util.ArrayDeque<Directory> directories = new java.util.ArrayDeque<>();
        directories.add(new Directory(dir, prefix));
        while (!directories.isEmpty()) {
            Directory current = directories.poll();
            List<Path> children = new ArrayList<>();
            try (java.nio.file.DirectoryStream<Path> listing = Files.newDirectoryStream(current.dir())) {
                listing.forEach(children::add);
            } catch (IOException | java.nio.file.DirectoryIteratorException unreadable) {
                continue; // an unreadable directory is not part of the snapshot
            }
            for (Path child : children) {
                String name = child.getFileName().toString();
                String path = current.prefix() + name;
                if (ignored(name, path)) {
                    if (SCRATCH_DIRECTORIES.contains(name)) placeholders(child, path, found);
                    continue;
                }
                PosixFileAttributes attrs;
                try {
                    attrs = Files.readAttributes(child, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException gone) {
                    continue; // deleted since the listing
                }
                if (attrs.isDirectory()) {
                    directories.add(new Directory(child, path + "/"));
                } else if (ManifestPaths.problem(path) != null) {
                    continue;
                } else if (attrs.isSymbolicLink()) {
                    link(child, path, project, chain, found);
                } else if (attrs.isRegularFile()) {
                    found.add(new Found(child, path, attrs));
                }
            }
        }
    }

    /**
     * The placeholder files directly in an ignored scratch directory: none when it is not a directory, or is a link
     * (a deployment's log/ leads out of the project, and nothing from there is sent).
     */
    private static void placeholders(Path dir, String path, List<Found> found) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return;
        for (String name : PLACEHOLDERS) {
            try {
                PosixFileAttributes attrs = Files.readAttributes(dir.resolve(name), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (attrs.isRegularFile()) found.add(new Found(dir.resolve(name), path + "/" + name, attrs));
            } catch (IOException none) {
                // no such placeholder
            }
        }
    }

    /** A directory still to walk, and the manifest path of what is in it. */
    private record Directory(Path dir, String prefix) {}

    /** A regular file the walk found, its digest still to take. */
    private record Found(Path file, String path, BasicFileAttributes attrs) {}

    private void link(Path link, String path, Path project, List<Path> chain, List<Found> found) throws IOException {
        String shown = path + " -> " + Files.readSymbolicLink(link); // as ls -l shows it
        Path target;
        BasicFileAttributes attrs;
        try {
            target = link.toRealPath();
            attrs = Files.readAttributes(target, BasicFileAttributes.class);
        } catch (IOException dangling) {
            skippedLinks.add(shown + " (leads to nothing)");
            return;
        }
        if (!target.startsWith(project)) {
            skippedLinks.add(shown + " (outside the project)");
        } else if (inIgnoredPath(project.relativize(target))) {
            skippedLinks.add(shown + " (an ignored path)"); // or a link would bring in node_modules, say
        } else if (attrs.isRegularFile()) {
            found.add(new Found(target, path, attrs));
        } else if (attrs.isDirectory()) {
            Path where = link.getParent().toRealPath();
            if (where.startsWith(target) || chain.stream().anyMatch(walked -> walked.startsWith(target))) {
                skippedLinks.add(shown + " (a directory that contains the link)");
                return;
            }
            List<Path> deeper = new ArrayList<>(chain);
            deeper.add(target);
            walk(target, path + "/", project, deeper, found);
        }
    }

    /** Whether the path or a directory it is in is ignored. */
    private boolean inIgnoredPath(Path relative) {
        for (int i = 1; i <= relative.getNameCount(); i++) if (ignored(relative.subpath(0, i))) return true;
        return false;
    }

    private FileEntry entry(Path file, String path, BasicFileAttributes attrs) throws IOException {
        return new FileEntry(path, cache.sha256(file, attrs), attrs.size(), executable(file, attrs));
    }

    /** Whether anyone may execute it: from the mode the walk read where the attributes carry it (no syscall per file). */
    private static boolean executable(Path file, BasicFileAttributes attrs) {
        if (attrs instanceof PosixFileAttributes posix) {
            java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions = posix.permissions();
            return permissions.contains(java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE)
                    || permissions.contains(java.nio.file.attribute.PosixFilePermission.GROUP_EXECUTE)
                    || permissions.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
        }
        return Files.isExecutable(file);
    }
}
