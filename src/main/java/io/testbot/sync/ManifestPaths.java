package io.testbot.sync;

import io.testbot.protocol.FileEntry;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Decides whether a manifest path is safe to materialise: relative, normalised, inside the tree. */
public final class ManifestPaths {
    private ManifestPaths() {}

    public static final int MAX_PATH_LENGTH = 4096;

    /** Returns why the path is unsafe, or null when it is fine. */
    public static String problem(String path) {
        if (path == null || path.isEmpty()) return "empty path";
        if (path.length() > MAX_PATH_LENGTH) return "path longer than " + MAX_PATH_LENGTH + " characters";
        if (path.indexOf('\0') >= 0) return "path contains a NUL byte: " + printable(path);
        if (path.indexOf('\\') >= 0) return "path contains a backslash: " + printable(path);
        if (path.startsWith("/")) return "absolute path: " + printable(path);
        if (path.length() >= 2 && path.charAt(1) == ':') return "absolute path: " + printable(path);
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".")) return "path is not normalised: " + printable(path);
            if (segment.equals("..")) return "path escapes the project: " + printable(path);
        }
        return null;
    }

    /** Checks every entry of a manifest; throws with the first problem found. */
    public static void validate(List<FileEntry> manifest) {
        Set<String> seen = new HashSet<>();
        for (FileEntry entry : manifest) {
            String problem = problem(entry.path());
            if (problem != null) throw new UnsafePathException(problem);
            if (!Hashing.isSha256(entry.sha256())) {
                throw new UnsafePathException("not a SHA-256 hex digest for " + printable(entry.path()) + ": " + printable(String.valueOf(entry.sha256())));
            }
            if (!seen.add(entry.path())) throw new UnsafePathException("path listed twice: " + printable(entry.path()));
        }
        // A path that is a file and also the parent of another would make the tree impossible.
        for (String path : seen) {
            int slash = path.lastIndexOf('/');
            while (slash > 0) {
                String parent = path.substring(0, slash);
                if (seen.contains(parent)) throw new UnsafePathException("path is both a file and a directory: " + printable(parent));
                slash = parent.lastIndexOf('/');
            }
        }
    }

    /** Resolves a validated path under root and double-checks it stays inside. */
    public static Path resolve(Path root, String path) {
        String problem = problem(path);
        if (problem != null) throw new UnsafePathException(problem);
        Path normalRoot = root.toAbsolutePath().normalize();
        Path target = normalRoot.resolve(path).normalize();
        if (!target.startsWith(normalRoot) || target.equals(normalRoot)) throw new UnsafePathException("path escapes the project: " + printable(path));
        return target;
    }

    private static String printable(String path) {
        String shown = path.length() > 200 ? path.substring(0, 200) + "..." : path;
        return shown.replace("\0", "\\0").replace("\n", "\\n");
    }

    /** A manifest path or digest that must not be used. */
    public static final class UnsafePathException extends RuntimeException {
        public UnsafePathException(String message) {
            super(message);
        }
    }
}
