package io.testbot.protocol;

/** The HTTP API: every path both sides use, defined once. */
public final class Api {
    private Api() {}

    public static final int DEFAULT_PORT = 2288;
    public static final String TOKEN_HEADER = "Authorization";

    public static final String HEALTH = "/health";
    public static final String VERSION = "/version";
    public static final String STATUS = "/status";
    public static final String METRICS = "/metrics";

    public static final String BLOBS_MISSING = "/blobs/missing";
    public static final String BLOB = "/blobs/{sha}";
    /** Many blobs in one round trip, as a zip whose entries are named by their SHA-256: POST a BlobQuery to get them. */
    public static final String BLOBS_FETCH = "/blobs/fetch";
    /** ... and POST such a zip to store them. */
    public static final String BLOBS_UPLOAD = "/blobs/upload";
    /** At most this many blobs in one batch. */
    public static final int MAX_BLOBS_PER_BATCH = 1_000;

    public static final String BUILDS = "/builds";
    public static final String BUILD = "/builds/{id}";
    public static final String BUILD_EVENTS = "/builds/{id}/events";
    public static final String BUILD_MANIFEST = "/builds/{id}/manifest";
    /** The build's test files (what its requester found), which a runner's Test::Unit and minitest jobs load. */
    public static final String BUILD_FILES = "/builds/{id}/files";
    public static final String BUILD_CANCEL = "/builds/{id}/cancel";

    public static final String ESTIMATE = "/estimate";

    public static final String RUNNERS = "/runners";
    public static final String RUNNER_HEARTBEAT = "/runners/{id}/heartbeat";
    public static final String RUNNER_NEXT_JOB = "/runners/{id}/jobs/next";
    public static final String RUNNER_LEAVE = "/runners/{id}/leave";
    public static final String JOB_RESULT = "/jobs/{id}/result";
    public static final String RUNNERS_AVAILABLE = "/runners/available_instances";
    public static final String RUNNERS_TOTAL = "/runners/total_instances";
    public static final String RUNNERS_OUTDATED = "/runners/outdated";
    /** The server's own testbot jar, for runners of another version to update themselves; its version and SHA-256 in headers. */
    public static final String RUNNER_UPDATE = "/runners/update";
    public static final String VERSION_HEADER = "X-Testbot-Version";
    public static final String SHA256_HEADER = "X-Testbot-Sha256";

    /** Fills {name} placeholders of a route in order. */
    public static String path(String route, Object... values) {
        String result = route;
        for (Object value : values) {
            int open = result.indexOf('{');
            int close = result.indexOf('}', open);
            result = result.substring(0, open) + value + result.substring(close + 1);
        }
        return result;
    }
}
