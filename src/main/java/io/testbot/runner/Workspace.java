package io.testbot.runner;

import io.testbot.protocol.Api;
import io.testbot.protocol.BlobQuery;
import io.testbot.protocol.ApiClient;
import io.testbot.protocol.FileEntry;
import io.testbot.protocol.ManifestDelta;
import io.testbot.sync.BlobBatches;
import io.testbot.sync.BlobStore;
import io.testbot.sync.Manifests;
import io.testbot.sync.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A runner's copies of projects under the work dir, brought up to date with a build's manifest before the build's
 * first job runs there. A copy serves one build at a time: when another build of the same project arrives while
 * the copy is busy, it gets a second copy (projects/KEY~2, ...), so two builds never change files under each
 * other. Blobs come from the runner's own cache, fetched once. A copy's next manifest comes as the change from the
 * snapshot it is at; and once no job has used a copy for a moment, its files are checked against what was written
 * there, so that the next build's sync need not look at each file again. (A process a job left running that writes
 * in the copy after that check goes unseen until the copy is next used and checked.)
 */
final class Workspace {
    private static final Logger log = LoggerFactory.getLogger(Workspace.class);

    private final Path workDir;
    private final BlobStore cache;
    private final Materializer materializer;
    private final Map<String, List<Copy>> copies = new HashMap<>();
    /** Checks idle copies' files; the one thread so that a check never takes more than a core from the jobs. */
    private final java.util.concurrent.ScheduledExecutorService checker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "copy-checker");
        thread.setDaemon(true);
        return thread;
    });
    /** How long a copy is left unused before its files are checked: the next job of a running build comes sooner. */
    static final long CHECK_AFTER_MILLIS = 100;

    /** One directory holding one project at one build's snapshot; jobs counts the jobs running in it. */
    static final class Copy {
        final Path dir;
        final String name;
        long buildId = -1;
        int jobs;
        /** The digest of the manifest its files are at, and its entries by path; null when not known (never synced, or a sync failed). */
        String snapshot;
        Map<String, FileEntry> files;
        /** Jobs that have used it, and how many had when its files were last found as written (-1: not since). */
        long uses;
        long checkedAtUses = -1;
        /** Checks of its files made while it was idle, whatever they found. */
        int checks;
        /** What its last sync did: whether the manifest came as a change, and what it wrote. */
        Synced lastSync;

        Copy(Path dir, String name) {
            this.dir = dir;
            this.name = name;
        }

        Path dir() {
            return dir;
        }
    }

    record Synced(boolean asChange, Materializer.Stats stats) {}

    Workspace(Path workDir) throws IOException {
        this.workDir = workDir;
        this.cache = new BlobStore(workDir.resolve("blobs"));
        this.materializer = new Materializer(cache);
    }

    static String safeKey(String project) {
        String key = project.replaceAll("[^A-Za-z0-9._-]", "_");
        if (key.isEmpty() || key.startsWith(".")) key = "p" + key;
        return key.length() > 120 ? key.substring(0, 120) : key;
    }

    /** A copy of the project at the build's snapshot, held for one job until {@link #release}. */
    synchronized Copy acquire(ApiClient client, String project, long buildId) throws IOException, InterruptedException {
        String key = safeKey(project);
        List<Copy> mine = copies.computeIfAbsent(key, k -> new ArrayList<>());
        Copy copy = mine.stream().filter(c -> c.buildId == buildId).findFirst()
                .or(() -> mine.stream().filter(c -> c.jobs == 0).findFirst())
                .orElseGet(() -> {
                    String name = mine.isEmpty() ? key : key + "~" + (mine.size() + 1);
                    Copy fresh = new Copy(workDir.resolve("projects").resolve(name), name);
                    mine.add(fresh);
                    return fresh;
                });
        if (copy.buildId != buildId) {
            sync(client, project, buildId, copy);
            copy.buildId = buildId;
        }
        copy.uses++;
        copy.jobs++;
        return copy;
    }

    synchronized void release(Copy copy) {
        copy.jobs--;
        if (copy.jobs == 0 && copy.snapshot != null) {
            long uses = copy.uses;
            checker.schedule(() -> check(copy, uses), CHECK_AFTER_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    /** Looks at every file of a copy no job has used since it had the given number of uses. */
    private void check(Copy copy, long uses) {
        synchronized (this) {
            if (copy.uses != uses || copy.jobs > 0) return;
        }
        boolean asWritten = materializer.asWritten(copy.dir, stateFile(copy));
        synchronized (this) {
            if (asWritten && copy.uses == uses && copy.jobs == 0) copy.checkedAtUses = uses;
            copy.checks++;
        }
    }

    /** Whether the copy is known to be as its last sync wrote it: checked since its last use. */
    static boolean checked(Copy copy) {
        return copy.snapshot != null && copy.checkedAtUses == copy.uses;
    }

    private Path stateFile(Copy copy) {
        return stateFile(copy.name);
    }

    /** Where a copy's record of what was written in it is kept. */
    private Path stateFile(String name) {
        return workDir.resolve("state").resolve(name + ".json");
    }

    /**
     * Deletes the copies that no build has synced since the cutoff (and their state), and the cached files fetched
     * before it (a copy's unchanged files need no blob; a file to write fetches its blob again). Returns how many
     * copies went.
     */
    synchronized int sweep(java.time.Instant cutoff) throws IOException {
        Path projects = workDir.resolve("projects");
        if (!Files.isDirectory(projects, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return 0;
        java.util.Set<String> busy = new java.util.HashSet<>();
        copies.values().forEach(list -> list.stream().filter(c -> c.jobs > 0).forEach(c -> busy.add(c.name)));
        int deleted = 0;
        try (java.nio.file.DirectoryStream<Path> dirs = Files.newDirectoryStream(projects)) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (busy.contains(name)) continue;
                Path used = usedMarker(name);
                Path stamp = Files.exists(used) ? used : dir;
                if (!Files.getLastModifiedTime(stamp, java.nio.file.LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(cutoff)) continue;
                deleteTree(dir);
                Files.deleteIfExists(stateFile(name));
                Files.deleteIfExists(used);
                copies.values().forEach(list -> list.removeIf(c -> c.name.equals(name)));
                deleted++;
            }
        }
        BlobStore.Removed blobs = cache.removeAllBut(java.util.Set.of(), cutoff);
        if (deleted > 0 || blobs.blobs() > 0) {
            log.info("housekeeping: deleted {} project copy(ies) and {} cached file(s) ({} bytes) unused since {}", deleted, blobs.blobs(), blobs.bytes(), cutoff);
        }
        return deleted;
    }

    void sweepQuietly(java.time.Instant cutoff) {
        try {
            sweep(cutoff);
        } catch (IOException | RuntimeException e) {
            log.warn("housekeeping failed: {}", e.toString());
        }
    }

    /** Touched each time a build syncs the copy: when it was last used, whether or not anything changed. */
    private Path usedMarker(String name) {
        return workDir.resolve("state").resolve(name + ".used");
    }

    /** Deletes a tree without following links (a link is removed, not what it leads to). */
    static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attributes) throws IOException {
                Files.delete(file);
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) throw e;
                Files.delete(dir);
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
    }

    private void sync(ApiClient client, String project, long buildId, Copy copy) throws IOException, InterruptedException {
        String base = copy.snapshot;
        boolean treeAsWritten = checked(copy);
        copy.buildId = -1; // until the sync succeeds, the copy matches no build
        copy.snapshot = null;
        String path = Api.path(Api.BUILD_MANIFEST, buildId);
        ManifestDelta reply = client.get(base == null ? path : path + "?base=" + base, ManifestDelta.class);
        if (!reply.isWhole() && !reply.base().equals(base)) throw new IOException("the server sent a change to a snapshot this copy is not at");
        // A change applies to the entries the copy was synced to, kept as they were: nothing else can have changed them.
        // A whole manifest goes to the materializer as sent, which refuses one that lists a path twice.
        Map<String, FileEntry> files = reply.isWhole() ? null : Manifests.apply(copy.files, reply);
        List<FileEntry> manifest = files == null ? reply.changed() : List.copyOf(files.values());
        long started = System.nanoTime();
        Materializer.Stats stats = materializer.materialize(copy.dir, stateFile(copy), manifest, shas -> {
            try (InputStream in = client.postForStream(Api.BLOBS_FETCH, new BlobQuery(shas))) {
                BlobBatches.read(in, java.util.Set.copyOf(shas), cache, Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching the project's files", e);
            }
        }, treeAsWritten);
        copy.snapshot = reply.digest();
        copy.files = files != null ? files : Manifests.byPath(manifest);
        copy.lastSync = new Synced(!reply.isWhole(), stats);
        Path used = usedMarker(copy.name);
        if (!Files.exists(used)) Files.createFile(used);
        else Files.setLastModifiedTime(used, java.nio.file.attribute.FileTime.from(java.time.Instant.now()));
        log.info("build {}: project {} synced to {}: {} file(s) ({}), {} fetched, {} written, {} deleted in {} ms", buildId, project, copy.dir,
                manifest.size(), reply.isWhole() ? "whole manifest" : reply.changed().size() + reply.removed().size() + " change(s)",
                stats.fetched(), stats.written(), stats.deleted(), (System.nanoTime() - started) / 1_000_000);
    }
}
