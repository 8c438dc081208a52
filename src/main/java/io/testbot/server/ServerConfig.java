package io.testbot.server;

import java.nio.file.Path;

/**
 * How to run a server.
 *
 * @param token   null turns authentication off (only with --insecure)
 * @param recover pick up the builds that were running when the server last stopped (off for local mode, whose
 *                builds die with their process, and whose store other local runs may be using at the same time)
 */
public record ServerConfig(String bind, int port, Path dataDir, String token, long maxBlobBytes, long maxRequestBytes,
                           boolean recover) {
    public static final long DEFAULT_MAX_BLOB_BYTES = 256L * 1024 * 1024;
    public static final long DEFAULT_MAX_REQUEST_BYTES = 64L * 1024 * 1024;

    public ServerConfig withToken(String newToken) {
        return new ServerConfig(bind, port, dataDir, newToken, maxBlobBytes, maxRequestBytes, recover);
    }
}
