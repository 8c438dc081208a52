package io.testbot.protocol;

import java.time.Instant;

/** A runner as the server sees it. */
public record RunnerInfo(String id, String hostname, String address, String version, int instances, int busy,
                         boolean live, boolean upToDate, Instant lastSeenAt, String note) {}
