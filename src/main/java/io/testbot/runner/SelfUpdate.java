package io.testbot.runner;

import io.testbot.protocol.Api;
import io.testbot.protocol.ApiClient;
import io.testbot.sync.Hashing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * A runner of another version than its server's updates itself, as the seed's runners did: it downloads the
 * server's own jar (GET /runners/update), checks it against the digest the server sends, and keeps it in its work
 * dir; the runner command then runs that jar with the same arguments in its place.
 */
public final class SelfUpdate {
    private static final Logger log = LoggerFactory.getLogger(SelfUpdate.class);

    private final ApiClient server;
    private final Path dir;

    public SelfUpdate(ApiClient server, Path workDir) {
        this.server = server;
        this.dir = workDir.resolve("updates");
    }

    /** The server's jar, downloaded and verified; an IOException saying why not. */
    public Path download() throws IOException {
        Files.createDirectories(dir);
        Path partial = Files.createTempFile(dir, "testbot-", ".jar.part");
        try {
            Map<String, String> headers = server.download(Api.RUNNER_UPDATE, partial);
            String version = headers.get(Api.VERSION_HEADER.toLowerCase(java.util.Locale.ROOT));
            String expected = headers.get(Api.SHA256_HEADER.toLowerCase(java.util.Locale.ROOT));
            if (version == null || !version.matches("[A-Za-z0-9._+-]{1,64}") || expected == null || !Hashing.isSha256(expected)) {
                throw new IOException("the server sent its jar without a version and digest it could be checked against");
            }
            String actual = Hashing.sha256(partial);
            if (!actual.equals(expected)) throw new IOException("the jar downloaded does not match its digest (" + actual + ", not " + expected + ")");
            Path jar = dir.resolve("testbot-" + version + ".jar");
            Files.move(partial, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            log.info("downloaded testbot {} from the server ({}, sha256 {})", version, jar, expected);
            return jar;
        } finally {
            Files.deleteIfExists(partial);
        }
    }
}
