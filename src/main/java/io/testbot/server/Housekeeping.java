package io.testbot.server;

import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.FileEntry;
import io.testbot.store.Store;
import io.testbot.sync.BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.locks.Lock;

/**
 * What the server deletes so that its disk does not fill up over months of builds: old builds, and the files that
 * no recent build of any project lists (see {@link ServerConfig.Retention}). Runs at start and every hour.
 */
final class Housekeeping {
    private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);

    /**
     * A blob this young stays whatever lists it: a requester uploads the files its build lacks before it submits
     * the build that lists them.
     */
    static final Duration BLOB_GRACE = Duration.ofHours(1);

    /** What one sweep deleted. */
    record Swept(int builds, long blobs, long blobBytes) {}

    private final Store store;
    private final BlobStore blobs;
    private final ServerConfig.Retention retention;
    private final Clock clock;
    /** Held while blobs are deleted, and by submissions while they check their blobs are there. */
    private final Lock sweeping;

    private final java.util.function.Consumer<Swept> counted;

    Housekeeping(Store store, BlobStore blobs, ServerConfig.Retention retention, Clock clock, Lock sweeping, java.util.function.Consumer<Swept> counted) {
        this.counted = counted;
        this.store = store;
        this.blobs = blobs;
        this.retention = retention;
        this.clock = clock;
        this.sweeping = sweeping;
    }

    Swept sweep() throws IOException {
        Instant now = clock.instant();
        int builds = retention.buildDays() > 0 ? store.deleteBuildsFinishedBefore(now.minus(Duration.ofDays(retention.buildDays()))) : 0;
        BlobStore.Removed removed = new BlobStore.Removed(0, 0);
        if (retention.blobsOfBuilds() > 0) {
            sweeping.lock();
            try {
                Set<String> wanted = new HashSet<>();
                for (BuildRequest request : store.requestsOfLastBuilds(retention.blobsOfBuilds())) {
                    if (request.manifest() != null) for (FileEntry entry : request.manifest()) wanted.add(entry.sha256());
                }
                removed = blobs.removeAllBut(wanted, now.minus(BLOB_GRACE));
            } finally {
                sweeping.unlock();
            }
        }
        if (builds > 0 || removed.blobs() > 0) {
            log.info("housekeeping: deleted {} build(s) finished more than {} days ago, and {} file(s) ({} bytes) that no project's last {} builds use",
                    builds, retention.buildDays(), removed.blobs(), removed.bytes(), retention.blobsOfBuilds());
        }
        Swept swept = new Swept(builds, removed.blobs(), removed.bytes());
        counted.accept(swept);
        return swept;
    }

    /** A sweep that logs rather than throws: the timer's. */
    void sweepQuietly() {
        try {
            sweep();
        } catch (IOException | RuntimeException e) {
            log.warn("housekeeping failed: {}", e.toString());
        }
    }
}
