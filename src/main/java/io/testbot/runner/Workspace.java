package io.testbot.runner;

import io.testbot.protocol.Api;
import io.testbot.protocol.BlobQuery;
import io.testbot.protocol.ApiClient;
import io.testbot.protocol.FileEntry;
import io.testbot.sync.BlobBatches;
import io.testbot.sync.BlobStore;
import io.testbot.sync.Materializer;
import com.fasterxml.jackson.core.type.TypeReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A runner's copies of projects under the work dir, brought up to date with a build's manifest before the build's
 * first job runs there. A copy serves one build at a time: when another build of the same project arrives while
 * the copy is busy, it gets a second copy (projects/KEY~2, ...), so two builds never change files under each
 * other. Blobs come from the runner's own cache, fetched once.
 */
final class Workspace {
    private static final Logger log = LoggerFactory.getLogger(Workspace.class);

    private final Path workDir;
    private final BlobStore cache;
    private final Materializer materializer;
    private final Map<String, List<Copy>> copies = new HashMap<>();

    /** One directory holding one project at one build's snapshot; jobs counts the jobs running in it. */
    static final class Copy {
        final Path dir;
        final String name;
        long buildId = -1;
        int jobs;

        Copy(Path dir, String name) {
            this.dir = dir;
            this.name = name;
        }

        Path dir() {
            return dir;
        }
    }

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
        copy.jobs++;
        return copy;
    }

    synchronized void release(Copy copy) {
        copy.jobs--;
    }

    private void sync(ApiClient client, String project, long buildId, Copy copy) throws IOException, InterruptedException {
        copy.buildId = -1; // until the sync succeeds, the copy matches no build
        List<FileEntry> manifest = client.get(Api.path(Api.BUILD_MANIFEST, buildId), new TypeReference<List<FileEntry>>() {});
        long started = System.nanoTime();
        Materializer.Stats stats = materializer.materialize(copy.dir, workDir.resolve("state").resolve(copy.name + ".json"), manifest, shas -> {
            try (InputStream in = client.postForStream(Api.BLOBS_FETCH, new BlobQuery(shas))) {
                BlobBatches.read(in, java.util.Set.copyOf(shas), cache, Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching the project's files", e);
            }
        });
        log.info("build {}: project {} synced to {}: {} file(s), {} fetched, {} written, {} deleted in {} ms", buildId, project, copy.dir,
                manifest.size(), stats.fetched(), stats.written(), stats.deleted(), (System.nanoTime() - started) / 1_000_000);
    }
}
