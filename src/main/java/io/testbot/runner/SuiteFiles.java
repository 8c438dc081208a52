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
    private final Map<Long, Path> written = new LinkedHashMap<>();

    SuiteFiles(ServerApi server, Path workDir) {
        this.server = server;
        this.dir = workDir.resolve("suites");
    }

    /** The file listing the job's build's test files. */
    synchronized Path of(long buildId) throws IOException, InterruptedException {
        Path known = written.get(buildId);
        if (known != null && Files.exists(known)) return known;
        java.util.List<String> files = server.buildFiles(buildId);
        Files.createDirectories(dir);
        Path list = dir.resolve("build-" + buildId + ".txt");
        Path partial = dir.resolve("build-" + buildId + ".txt.partial");
        Files.write(partial, files);
        Files.move(partial, list, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        written.put(buildId, list);
        while (written.size() > KEPT) {
            Map.Entry<Long, Path> oldest = written.entrySet().iterator().next();
            written.remove(oldest.getKey());
            Files.deleteIfExists(oldest.getValue());
        }
        return list;
    }
}
