package io.testbot.runner;

import io.testbot.protocol.ServerApi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The lists of builds' test files, for frameworks whose jobs load every test file of their build before their own
 * ({@link io.testbot.adapters.Adapter#loadsWholeSuite}): asked of the server once a build and written under the
 * work dir, a line a file, for the jobs' processes to read (TESTBOT_SUITE).
 */
final class SuiteFiles {
    /** The builds whose lists are kept: a runner rarely runs more at once. */
    private static final int KEPT = 8;

    private final ServerApi server;
    private final Path dir;
    /**
     * By build and the runner's registration: a server started again on an empty store (it does not know the runner,
     * which registers again) counts its builds from 1 again.
     */
    private final Map<String, Path> written = new LinkedHashMap<>();

    SuiteFiles(ServerApi server, Path workDir) {
        this.server = server;
        this.dir = workDir.resolve("suites");
        // What this runner's last run left: the builds it listed are over.
        try (var left = Files.exists(dir) ? Files.list(dir) : java.util.stream.Stream.<Path>empty()) {
            for (Path file : (Iterable<Path>) left::iterator) Files.deleteIfExists(file);
        } catch (IOException e) {
            // a leftover list is harmless: a build of that id writes its own over it
        }
    }

    /** The file listing the build's test files, for the runner as registered now. */
    synchronized Path of(long buildId, String runnerId) throws IOException, InterruptedException {
        String key = runnerId + "#" + buildId;
        Path known = written.get(key);
        if (known != null && Files.exists(known)) return known;
        java.util.List<String> files = server.buildFiles(buildId);
        Files.createDirectories(dir);
        Path list = dir.resolve("build-" + buildId + ".txt");
        Path partial = dir.resolve("build-" + buildId + ".txt.partial");
        Files.write(partial, files);
        Files.move(partial, list, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        written.values().remove(list); // a build of that id before the runner registered again
        written.put(key, list);
        while (written.size() > KEPT) {
            Map.Entry<String, Path> oldest = written.entrySet().iterator().next();
            written.remove(oldest.getKey());
            Files.deleteIfExists(oldest.getValue());
        }
        return list;
    }
}
