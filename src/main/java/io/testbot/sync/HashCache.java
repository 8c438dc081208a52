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

/**
 * Remembers file digests by (path, size, mtime) so a second scan of an unchanged project reads no file contents.
 * Kept as a small JSON file; losing it only costs re-hashing.
 */
public final class HashCache {
    record Entry(long size, long mtimeMillis, String sha256) {}

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
        long mtime = attrs.lastModifiedTime().toMillis();
        Entry known = entries.get(key);
        if (known != null && known.size() == attrs.size() && known.mtimeMillis() == mtime) return known.sha256();
        String sha = Hashing.sha256(path);
        entries.put(key, new Entry(attrs.size(), mtime, sha));
        dirty = true;
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
