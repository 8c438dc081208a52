package io.testbot.runner;

import io.testbot.protocol.Api;
import io.testbot.protocol.ApiClient;
import io.testbot.protocol.FileEntry;
import io.testbot.sync.BlobStore;
import io.testbot.sync.Materializer;
import com.fasterxml.jackson.core.type.TypeReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A runner's copies of projects: one directory per project under the work dir, brought up to date with a build's
 * manifest before the build's first job runs there. Blobs come from the runner's own cache, fetched once.
 */
final class Workspace {
    private static final Logger log = LoggerFactory.getLogger(Workspace.class);

    private final Path workDir;
    private final BlobStore cache;
    private final Materializer materializer;
    private final Map<String, Long> preparedBuild = new HashMap<>();

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

    Path projectDir(String project) {
        return workDir.resolve("projects").resolve(safeKey(project));
    }

    /** Makes the project's directory match the build's snapshot; returns it. */
    synchronized Path prepare(ApiClient client, String project, long buildId) throws IOException, InterruptedException {
        String key = safeKey(project);
        Path dir = projectDir(project);
        Long prepared = preparedBuild.get(key);
        if (prepared != null && prepared == buildId) return dir;
        List<FileEntry> manifest = client.get(Api.path(Api.BUILD_MANIFEST, buildId), new TypeReference<List<FileEntry>>() {});
        long started = System.nanoTime();
        Materializer.Stats stats = materializer.materialize(dir, workDir.resolve("state").resolve(key + ".json"), manifest, sha -> {
            try (InputStream in = client.download(Api.path(Api.BLOB, sha))) {
                cache.put(sha, in, Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching " + sha, e);
            }
        });
        log.info("build {}: project {} synced to {}: {} file(s), {} fetched, {} written, {} deleted in {} ms", buildId, project, dir,
                manifest.size(), stats.fetched(), stats.written(), stats.deleted(), (System.nanoTime() - started) / 1_000_000);
        preparedBuild.put(key, buildId);
        return dir;
    }
}
