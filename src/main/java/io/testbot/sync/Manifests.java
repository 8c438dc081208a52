package io.testbot.sync;

import io.testbot.protocol.FileEntry;
import io.testbot.protocol.ManifestDelta;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A project snapshot's identity and its changes: what lets a runner that has one snapshot of a project take the
 * next as a change to it (a line changed in a project of 10,000 files moves one entry, not 10,000).
 */
public final class Manifests {
    private Manifests() {}

    /** The SHA-256 of the entries in path order: two manifests with the same entries have the same digest, whatever their order. */
    public static String digest(Collection<FileEntry> manifest) {
        List<FileEntry> sorted = new ArrayList<>(manifest);
        sorted.sort(Comparator.comparing(FileEntry::path));
        MessageDigest digest = Hashing.sha256();
        for (FileEntry entry : sorted) {
            digest.update((entry.path() + '\0' + entry.sha256() + '\0' + entry.size() + '\0' + (entry.executable() ? 'x' : '-') + '\n')
                    .getBytes(StandardCharsets.UTF_8));
        }
        return Hashing.hex(digest.digest());
    }

    /** The change that turns base (by path) into next. */
    public static ManifestDelta delta(String baseDigest, Map<String, FileEntry> base, String nextDigest, Collection<FileEntry> next) {
        List<FileEntry> changed = new ArrayList<>();
        java.util.Set<String> kept = new java.util.HashSet<>();
        for (FileEntry entry : next) {
            if (!entry.equals(base.get(entry.path()))) changed.add(entry);
            kept.add(entry.path());
        }
        List<String> removed = base.keySet().stream().filter(path -> !kept.contains(path)).sorted().toList();
        return new ManifestDelta(nextDigest, baseDigest, changed, removed);
    }

    /**
     * The snapshot, by path, that a change makes of base (which must be the snapshot it was made from; it is left as
     * it is). A whole one is only its entries.
     */
    public static Map<String, FileEntry> apply(Map<String, FileEntry> base, ManifestDelta delta) {
        Map<String, FileEntry> byPath = delta.isWhole() ? new HashMap<>() : new HashMap<>(base);
        for (String path : delta.removed()) byPath.remove(path);
        for (FileEntry entry : delta.changed()) byPath.put(entry.path(), entry);
        return byPath;
    }

    public static Map<String, FileEntry> byPath(Collection<FileEntry> manifest) {
        Map<String, FileEntry> byPath = new HashMap<>(manifest.size() * 2);
        for (FileEntry entry : manifest) byPath.put(entry.path(), entry);
        return byPath;
    }
}
