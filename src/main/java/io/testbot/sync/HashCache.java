package io.testbot.sync;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Remembers file digests by (path, size, mtime) so a second scan of an unchanged project reads no file contents.
 * Kept as a small file of one line per file, "sha256 TAB size TAB mtime-nanos TAB path": read on every start of a
 * requester that ships the project, where Jackson's first reading of a map of records took 26-67 ms and this takes
 * one or two. Losing it, or a line of it, only costs re-hashing. It is read on a thread of its own while the
 * project is walked (on 10,000 files the two take about as long); the first digest asked for waits for it.
 */
public final class HashCache {
    record Entry(long size, long mtimeNanos, String sha256) {}

    /** A file modified this recently may change again within the same timestamp tick; it is not cached. */
    private static final long RACY_NANOS = 2_000_000_000L;

    private final Path file;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    /** The digests this run worked out from files' contents rather than took from the cache. */
    private final java.util.Set<String> hashed = ConcurrentHashMap.newKeySet();
    private volatile boolean dirty;
    private final java.util.concurrent.CompletableFuture<Void> loaded;

    private HashCache(Path file) {
        this.file = file;
        this.loaded = file == null ? java.util.concurrent.CompletableFuture.completedFuture(null) : java.util.concurrent.CompletableFuture.runAsync(this::readFile);
    }

    public static HashCache none() {
        return new HashCache(null);
    }

    /** The cache kept in file; reading it goes on in the background. */
    public static HashCache load(Path file) {
        return new HashCache(file);
    }

    private void readFile() {
        try {
            if (Files.isRegularFile(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) read(line);
            }
        } catch (IOException e) {
            // a damaged cache is rebuilt
        }
    }

    /** Takes one line of the file; a damaged one is left out, and that file hashed again. */
    private void read(String line) {
        String[] fields = line.split("\t", 4);
        if (fields.length != 4 || !Hashing.isSha256(fields[0])) return;
        try {
            entries.put(fields[3], new Entry(Long.parseLong(fields[1]), Long.parseLong(fields[2]), fields[0]));
        } catch (NumberFormatException damaged) {
            // left out
        }
    }

    public String sha256(Path path, BasicFileAttributes attrs) throws IOException {
        loaded.join();
        String key = path.toString();
        long mtime = attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        Entry known = entries.get(key);
        if (known != null && known.size() == attrs.size() && known.mtimeNanos() == mtime) return known.sha256();
        String sha = Hashing.sha256(path);
        hashed.add(sha);
        long now = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
        // A path with a line break in it cannot be a line of the file: it is hashed each time.
        if (now - mtime > RACY_NANOS && key.indexOf('\n') < 0 && key.indexOf('\r') < 0) {
            entries.put(key, new Entry(attrs.size(), mtime, sha));
            dirty = true;
        } else {
            entries.remove(key);
        }
        return sha;
    }

    /**
     * The digests of files read in this run: new files, and those changed since they were last hashed here. Every
     * other file had the same content when this machine last shipped the project.
     */
    public java.util.Set<String> hashed() {
        return java.util.Collections.unmodifiableSet(hashed);
    }

    public void save() {
        loaded.join();
        if (file == null || !dirty) return;
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (BufferedWriter out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                for (Map.Entry<String, Entry> e : entries.entrySet()) {
                    Entry entry = e.getValue();
                    out.write(String.join("\t", List.of(entry.sha256(), Long.toString(entry.size()), Long.toString(entry.mtimeNanos()), e.getKey())));
                    out.write('\n');
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // best effort: the cache is only an optimisation
        }
    }
}
