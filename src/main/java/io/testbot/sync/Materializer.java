package io.testbot.sync;

import com.fasterxml.jackson.core.type.TypeReference;
import io.testbot.protocol.FileEntry;
import io.testbot.protocol.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Turns a manifest into a tree under a root, from a local blob cache, touching only what changed:
 * files whose digest differs are rewritten, files gone from the manifest are deleted.
 * What was written, and when, is kept beside the tree so unchanged files are not re-read: a file is taken as
 * unchanged while its size and modification time are those it was written with (a job that rewrote it, even to
 * the same length, gets it rewritten). That look at every file can be made ahead, while the tree is not in use
 * ({@link #asWritten(Path, Path)}): a sync told so only compares the manifest with what it wrote.
 */
public final class Materializer {
    /** Fetches blobs the cache lacks into it (a batch: see {@link BlobBatches}). */
    public interface BlobFetcher {
        void fetch(List<String> sha256s) throws IOException;
    }

    public record Stats(int written, int deleted, int fetched) {}

    /** A file as written here: its manifest entry and its modification time just after (nanoseconds since the epoch). */
    record Written(String path, String sha256, long size, boolean executable, long modified) {}

    private final BlobStore cache;
    private final int batchBlobs;
    private final long batchBytes;

    public Materializer(BlobStore cache) {
        this(cache, io.testbot.protocol.Api.MAX_BLOBS_PER_BATCH, BlobBatches.MAX_BATCH_BYTES);
    }

    /** Fetches missing blobs in batches of at most batchBlobs blobs and about batchBytes, several at once. */
    Materializer(BlobStore cache, int batchBlobs, long batchBytes) {
        this.cache = cache;
        this.batchBlobs = batchBlobs;
        this.batchBytes = batchBytes;
    }

    public Stats materialize(Path root, Path stateFile, List<FileEntry> manifest, BlobFetcher fetcher) throws IOException {
        return materialize(root, stateFile, manifest, fetcher, false);
    }

    /**
     * @param treeAsWritten the tree is known to be as the state file says (checked by {@link #asWritten} since it was
     *                      last used): files the manifest leaves as they were are not looked at
     */
    public Stats materialize(Path root, Path stateFile, List<FileEntry> manifest, BlobFetcher fetcher, boolean treeAsWritten) throws IOException {
        ManifestPaths.validate(manifest);
        Path base = root.toAbsolutePath().normalize();
        // The copy is the runner's: a job that made it, or a directory in it, a link (or a file) has its work
        // undone here, the link removed and never followed, rather than the copy refused for every later build.
        if (Files.isSymbolicLink(base)) Files.delete(base);
        Files.createDirectories(base);
        RealDirectories directories = new RealDirectories(base);

        // What is still as it was written needs nothing, not even its blob: a project of 10,000 files where one
        // changed costs a stat per file, not a look in the blob cache per file as well.
        Map<String, Written> previous = readState(stateFile);
        List<Written> state = new ArrayList<>(manifest.size());
        List<FileEntry> toWrite = new ArrayList<>();
        for (FileEntry entry : manifest) {
            Written old = previous.get(entry.path());
            boolean same = old != null && entry.sha256().equals(old.sha256()) && old.executable() == entry.executable() && old.size() == entry.size();
            if (same && (treeAsWritten || onDisk(base, directories, old))) state.add(old);
            else toWrite.add(entry);
        }

        Map<String, FileEntry> missing = new java.util.LinkedHashMap<>(); // blob -> an entry that needs it
        for (FileEntry entry : toWrite) {
            if (!cache.has(entry.sha256())) missing.putIfAbsent(entry.sha256(), entry);
        }
        try {
            Transfers.each(BlobBatches.partition(missing.keySet(), sha -> missing.get(sha).size(), batchBlobs, batchBytes), fetcher::fetch);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching the project's files", e);
        }
        for (Map.Entry<String, FileEntry> blob : missing.entrySet()) {
            if (!cache.has(blob.getKey())) throw new IOException("blob " + blob.getKey() + " for " + blob.getValue().path() + " could not be fetched");
        }
        int fetched = missing.size();

        Map<String, FileEntry> next = new HashMap<>();
        manifest.forEach(e -> next.put(e.path(), e));
        int deleted = 0;
        for (Written old : previous.values()) {
            if (!next.containsKey(old.path())) {
                Path target = ManifestPaths.resolve(base, old.path());
                if (directories.leadTo(target) && Files.deleteIfExists(target)) deleted++;
            }
        }

        // Each blob is hashed as it is copied: the cache is within reach of every job of the runner (they run as its
        // user), and a blob one build rewrote must not become another build's code. A blob that no longer matches
        // its name is fetched again.
        List<FileEntry> spoilt = new ArrayList<>();
        for (FileEntry entry : toWrite) {
            if (!write(base, entry, state)) spoilt.add(entry);
        }
        if (!spoilt.isEmpty()) {
            java.util.Set<String> again = new java.util.LinkedHashSet<>();
            spoilt.forEach(entry -> again.add(entry.sha256()));
            fetcher.fetch(List.copyOf(again));
            for (FileEntry entry : spoilt) {
                if (!write(base, entry, state)) throw new IOException("blob " + entry.sha256() + " for " + entry.path() + " does not match its digest, even fetched again");
            }
            fetched += again.size();
        }
        // Every entry kept from the state read: it says what it said (writing it was 10 ms of a contended build's sync).
        if (!toWrite.isEmpty() || state.size() != previous.size()) writeState(stateFile, state);
        return new Stats(toWrite.size(), deleted, fetched);
    }

    /** Whether the file is still as it was written: reached through real directories, its size and time unchanged. */
    private static boolean onDisk(Path base, RealDirectories directories, Written written) {
        Path target = ManifestPaths.resolve(base, written.path());
        BasicFileAttributes now = directories.leadTo(target) ? attributes(target) : null;
        return now != null && now.isRegularFile() && now.size() == written.size() && nanos(now) == written.modified();
    }

    /**
     * Whether every file under root is as the state file says it was written (a stat per file): what a sync may
     * skip when nothing used the tree since.
     */
    public boolean asWritten(Path root, Path stateFile) {
        Path base = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(base, LinkOption.NOFOLLOW_LINKS)) return false;
        RealDirectories directories = new RealDirectories(base);
        for (Written written : readState(stateFile).values()) {
            if (!onDisk(base, directories, written)) return false;
        }
        return true;
    }

    /**
     * Writes one entry from its blob, checking the blob's digest on the way; false (and the blob dropped from the
     * cache, the file not written) when the blob does not match it.
     */
    private boolean write(Path base, FileEntry entry, List<Written> state) throws IOException {
        Path target = ManifestPaths.resolve(base, entry.path());
        createParents(base, target);
        Path tmp = target.resolveSibling(".testbot-incoming-" + target.getFileName());
        if (!cache.copyVerified(entry.sha256(), tmp)) {
            Files.deleteIfExists(tmp);
            return false;
        }
        tmp.toFile().setExecutable(entry.executable(), false);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        state.add(new Written(entry.path(), entry.sha256(), entry.size(), entry.executable(), nanos(attributes(target))));
        return true;
    }

    /**
     * Creates the directories leading to target, never through a symbolic link: a link (or a file) where a
     * directory belongs is removed (the link itself, not what it leads to) and the directory made.
     */
    private static void createParents(Path base, Path target) throws IOException {
        Path current = base;
        for (Path part : base.relativize(target.getParent() == null ? base : target.getParent())) {
            if (part.toString().isEmpty()) continue;
            current = current.resolve(part);
            if (Files.exists(current, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) Files.delete(current);
            if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) Files.createDirectory(current);
        }
    }

    /**
     * Whether the directories between the copy's root and a file are all real directories, not links: a file
     * reached through a link a job made is not the file written there, whatever its size and time, and nothing
     * is deleted through one. Each directory is looked at once per sync.
     */
    private static final class RealDirectories {
        private final Path base;
        private final Map<Path, Boolean> real = new HashMap<>();

        RealDirectories(Path base) {
            this.base = base;
        }

        boolean leadTo(Path target) {
            Path parent = target.getParent();
            return parent == null || parent.equals(base) || isReal(parent);
        }

        private boolean isReal(Path directory) {
            Boolean known = real.get(directory);
            if (known != null) return known;
            boolean result = Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)
                    && (directory.getParent() == null || directory.getParent().equals(base) || isReal(directory.getParent()));
            real.put(directory, result);
            return result;
        }
    }

    /** The file's attributes, not following a link; null when there is nothing there. */
    private static BasicFileAttributes attributes(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException gone) {
            return null;
        }
    }

    private static long nanos(BasicFileAttributes attributes) {
        return attributes == null ? -1 : attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS);
    }

    /** A state file as last read or written here, while the file is as it was then (its size and time). */
    private record KnownState(long size, long modified, Map<String, Written> byPath) {}

    /**
     * The state files this materializer last read or wrote: a runner syncs the same copies build after build, and
     * reading 10,000 entries as JSON again each time was most of an unchanged project's sync.
     */
    private final Map<Path, KnownState> known = new java.util.concurrent.ConcurrentHashMap<>();

    private Map<String, Written> readState(Path stateFile) {
        BasicFileAttributes file = attributes(stateFile);
        KnownState last = known.get(stateFile);
        if (file != null && last != null && file.size() == last.size() && nanos(file) == last.modified()) return last.byPath();
        Map<String, Written> byPath = readStateFile(stateFile);
        if (file != null) known.put(stateFile, new KnownState(file.size(), nanos(file), java.util.Collections.unmodifiableMap(byPath)));
        return byPath;
    }

    private static Map<String, Written> readStateFile(Path stateFile) {
        Map<String, Written> byPath = new HashMap<>();
        try {
            if (Files.isRegularFile(stateFile)) {
                List<Written> entries = Json.MAPPER.readValue(stateFile.toFile(), new TypeReference<ArrayList<Written>>() {});
                for (Written e : entries) if (e.path() != null && ManifestPaths.problem(e.path()) == null) byPath.put(e.path(), e);
            }
        } catch (IOException e) {
            // unknown previous state: every file is rewritten (as is each of a state kept without modification times)
        }
        return byPath;
    }

    private void writeState(Path stateFile, List<Written> state) throws IOException {
        Files.createDirectories(stateFile.getParent());
        Path tmp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
        Json.MAPPER.writeValue(tmp.toFile(), state);
        Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        BasicFileAttributes file = attributes(stateFile);
        Map<String, Written> byPath = new HashMap<>();
        for (Written written : state) byPath.put(written.path(), written);
        if (file != null) known.put(stateFile, new KnownState(file.size(), nanos(file), java.util.Collections.unmodifiableMap(byPath)));
        else known.remove(stateFile);
    }
}
