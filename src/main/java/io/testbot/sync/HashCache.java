package io.testbot.sync;

import com.fasterxml.jackson.core.type.TypeReference;
import io.testbot.protocol.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Remembers file digests by (path, size, mtime) so a second scan of an unchanged project reads no file contents.
 * Kept as a small JSON file; losing it only costs re-hashing.
 */
public final class HashCache {
    record Entry(long size, long mtimeNanos, String sha256) {}

    /** A file modified this recently may change again within the same timestamp tick; it is not cached. */
    private static final long RACY_NANOS = 2_000_000_000L;

    private final Path file;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private volatile boolean dirty;

    private HashCache(Path file) {
        this.file = file;
    }

    public static HashCache none() {
        return new HashCache(null);
    }

    public static HashCache load(Path file) {
        HashCache cache = new HashCache(file);
        try {
            if (Files.isRegularFile(file)) {
                Map<String, Entry> read = Json.MAPPER.readValue(file.toFile(), new TypeReference<HashMap<String, Entry>>() {});
                cache.entries.putAll(read);
            }
        } catch (IOException e) {
            // a damaged cache is rebuilt
        }
        return cache;
    }

    public String sha256(Path path, BasicFileAttributes attrs) throws IOException {
        String key = path.toString();
        long mtime = attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        Entry known = entries.get(key);
        if (known != null && known.size() == attrs.size() && known.mtimeNanos() == mtime) return known.sha256();
        String sha = Hashing.sha256(path);
        long now = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
        if (now - mtime > RACY_NANOS) {
            entries.put(key, new Entry(attrs.size(), mtime, sha));
            dirty = true;
        } else {
            entries.remove(key);
        }
        return sha;
    }

    public void save() {
        if (file == null || !dirty) return;
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Json.MAPPER.writeValue(tmp.toFile(), entries);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // best effort: the cache is only an optimisation
        }
    }
}
