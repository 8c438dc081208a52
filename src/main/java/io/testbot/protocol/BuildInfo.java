package io.testbot.protocol;

import java.time.Instant;

/** A build as the server reports it. */
public record BuildInfo(long id, String project, String adapter, String status, int jobs, int jobsDone,
                        int files, String requestedBy, Instant createdAt, Instant finishedAt) {
    public boolean finished() {
        return BuildStatus.isFinal(status);
    }
}
