package io.testbot.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.testbot.protocol.BuildRequest;
import io.testbot.protocol.FileEntry;
import io.testbot.protocol.Json;
import io.testbot.protocol.ManifestDelta;
import io.testbot.sync.Manifests;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A build's manifest as its runners fetch it: whole, or as the change from a snapshot a runner's copy already has.
 * Each reply is made once and kept for the build's other runners (every runner's sync waits for it).
 */
final class BuildManifest {
    /** Replies kept per base a runner named; runners of one farm have a copy at one or two snapshots. */
    private static final int KEPT_REPLIES = 8;

    private final List<FileEntry> entries;
    private final String digest;
    private Map<String, FileEntry> byPath;
    private final Map<String, byte[]> replies = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
            return size() > KEPT_REPLIES;
        }
    };

    BuildManifest(List<FileEntry> entries) {
        this.entries = List.copyOf(entries);
        this.digest = Manifests.digest(this.entries);
    }

    /** The manifest a build was submitted with (none for an in-place build). */
    static BuildManifest of(BuildRequest request) {
        return new BuildManifest(request.manifest() == null ? List.of() : request.manifest());
    }

    String digest() {
        return digest;
    }

    int size() {
        return entries.size();
    }

    synchronized Map<String, FileEntry> byPath() {
        if (byPath == null) byPath = Manifests.byPath(entries);
        return byPath;
    }

    /**
     * The reply to a runner whose copy is at the snapshot base (null or unknown: it gets the whole manifest), as
     * JSON of a {@link ManifestDelta}.
     */
    synchronized byte[] json(String base, RecentManifests recent) throws JsonProcessingException {
        BuildManifest from = base == null ? null : base.equals(digest) ? this : recent.find(base);
        String key = from == null ? "" : base;
        byte[] reply = replies.get(key);
        if (reply == null) {
            ManifestDelta delta = from == null ? ManifestDelta.whole(digest, entries) : Manifests.delta(base, from.byPath(), digest, entries);
            reply = Json.MAPPER.writeValueAsBytes(delta);
            replies.put(key, reply);
        }
        return reply;
    }
}
