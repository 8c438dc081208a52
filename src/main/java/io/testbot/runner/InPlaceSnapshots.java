package io.testbot.runner;

import io.testbot.protocol.FileEntry;
import io.testbot.sync.HashCache;
import io.testbot.sync.ProjectScanner;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Snapshots of the directory a runner runs in-place builds in (the kept-warm local server's project), for the recipes
 * of workers booted ahead there: an in-place build sends no manifest, so the runner takes its own, with the
 * project's ignores, as a requester would. A worker booted ahead records the project as it was when its boot began;
 * a build is compared with the project as its first job on this runner found it, before any of its tests could
 * change a file (a database, say), so only what changed between builds (the user's edits) counts.
 */
final class InPlaceSnapshots implements InPlaceWatch.Project {
    /** The "copy" of every in-place recipe: the directory is always the same one (see {@link BootRecipe#copy}). */
    static final Object IN_PLACE = new Object() {
        @Override
        public String toString() {
            return "in place";
        }
    };

    private final Path root;
    private final ProjectScanner scanner;
    private final HashCache digests;
    private long snapshotBuild = -1;
    private Map<String, FileEntry> buildSnapshot;

    /** @param digestCache where digests are cached by size and modification time, so that a scan reads only changed files */
    InPlaceSnapshots(Path root, List<String> ignores, Path digestCache) {
        this.root = root;
        this.digests = HashCache.load(digestCache);
        this.scanner = new ProjectScanner(ignores, digests);
    }

    @Override
    public Path root() {
        return root;
    }

    /** The project as the build's first call found it; the same map for every later call of that build. */
    synchronized Map<String, FileEntry> ofBuild(long buildId) throws IOException {
        if (buildId != snapshotBuild) {
            buildSnapshot = now();
            snapshotBuild = buildId;
        }
        return buildSnapshot;
    }

    /** The project as it is. */
    @Override
    public synchronized Map<String, FileEntry> now() throws IOException {
        Map<String, FileEntry> files = new LinkedHashMap<>();
        for (FileEntry entry : scanner.scan(root)) files.put(entry.path(), entry);
        digests.save();
        return java.util.Collections.unmodifiableMap(files);
    }
}
