package io.testbot.server;

import java.nio.file.Path;

/**
 * How to run a server.
 *
 * @param token     null turns authentication off (only with --insecure)
 * @param limits    what one request, upload or build may send
 * @param retention what the server keeps, and for how long
 * @param recover   pick up the builds that were running when the server last stopped (off for local mode, whose
 *                  builds die with their process, and whose store other local runs may be using at the same time)
 * @param store     where the records are kept, as {@link io.testbot.store.Stores#open} takes it; null: the data dir's
 *                  SQLite file
 * @param blobDir   where uploaded files are kept; null: the data dir's blobs (servers sharing a store share this too)
 * @param advertise the base URL other servers that share the store reach this one at, while it dispatches; null:
 *                  its scheme, host name (or bind address) and port
 */
public record ServerConfig(String bind, int port, Path dataDir, String token, Limits limits, Retention retention, boolean recover, Tls tls,
                           String store, Path blobDir, String advertise) {

    public ServerConfig(String bind, int port, Path dataDir, String token, Limits limits, Retention retention, boolean recover) {
        this(bind, port, dataDir, token, limits, retention, recover, null, null, null, null);
    }

    public ServerConfig(String bind, int port, Path dataDir, String token, Limits limits, Retention retention, boolean recover, Tls tls) {
        this(bind, port, dataDir, token, limits, retention, recover, tls, null, null, null);
    }

    /** The base URL to announce, once the server listens on actualPort. */
    public String advertisedAddress(int actualPort) {
        if (advertise != null) return advertise.replaceAll("/+$", "");
        String host = bind;
        if (bind.equals("0.0.0.0") || bind.equals("::")) {
            try {
                host = java.net.InetAddress.getLocalHost().getCanonicalHostName();
            } catch (java.io.IOException e) {
                host = "localhost";
            }
        }
        if (host.contains(":") && !host.startsWith("[")) host = "[" + host + "]";
        return (tls != null ? "https" : "http") + "://" + host + ":" + actualPort;
    }

    /** Where uploaded files are kept. */
    public Path blobs() {
        return blobDir != null ? blobDir : dataDir.resolve("blobs");
    }

    /** The store's URL: the one given, or the data dir's SQLite file. */
    public String storeUrl() {
        return store != null ? store : io.testbot.store.Stores.defaultUrl(dataDir);
    }

    /** HTTPS from a certificate (chain) and its private key, both PEM files; null serves plain HTTP. */
    public record Tls(Path certificate, Path key) {}

    /**
     * Caps on what clients send, however they send it (with a Content-Length or chunked), checked as the bytes
     * arrive: a request past its cap gets a 413 and leaves nothing behind.
     *
     * @param maxBlobBytes    one file of a project
     * @param maxRequestBytes a JSON request (a build with its manifest, a result)
     * @param maxUploadBytes  one upload of blobs, sent and unpacked (a zip of a few bytes can unpack to gigabytes)
     * @param maxBuildBytes   all the files of one build's project, as its manifest gives them
     */
    public record Limits(long maxBlobBytes, long maxRequestBytes, long maxUploadBytes, long maxBuildBytes) {
        public static final long DEFAULT_MAX_BLOB_BYTES = 256L << 20;
        public static final long DEFAULT_MAX_REQUEST_BYTES = 64L << 20;
        public static final long DEFAULT_MAX_BUILD_BYTES = 4L << 30;

        /** Requesters send batches of about 8 MB, or one larger file alone: an upload may hold that much. */
        public static Limits of(long maxBlobBytes, long maxRequestBytes, long maxBuildBytes) {
            return new Limits(maxBlobBytes, maxRequestBytes, maxBlobBytes + io.testbot.sync.BlobBatches.MAX_BATCH_BYTES, maxBuildBytes);
        }

        public static Limits defaults() {
            return of(DEFAULT_MAX_BLOB_BYTES, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_MAX_BUILD_BYTES);
        }
    }

    /**
     * What the server deletes, at start and every hour: finished builds older than buildDays (their jobs, results
     * and events; per-file runtime history stays), and blobs that no build among each project's last
     * blobsOfBuilds nor any running build lists, once they are an hour old (a requester uploads before it submits).
     * Zero turns either off.
     */
    public record Retention(int buildDays, int blobsOfBuilds) {
        public static final int DEFAULT_BUILD_DAYS = 30;
        public static final int DEFAULT_BLOBS_OF_BUILDS = 5;

        public static Retention defaults() {
            return new Retention(DEFAULT_BUILD_DAYS, DEFAULT_BLOBS_OF_BUILDS);
        }

        /** Local mode: its store and blobs are the user's cache, kept as they are. */
        public static Retention none() {
            return new Retention(0, 0);
        }
    }

    public ServerConfig withToken(String newToken) {
        return new ServerConfig(bind, port, dataDir, newToken, limits, retention, recover, tls, store, blobDir, advertise);
    }
}
