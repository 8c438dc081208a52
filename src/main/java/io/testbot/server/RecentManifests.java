package io.testbot.server;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The manifests this server last gave runners, by digest: the snapshots runners' copies are at, from which the next
 * builds' manifests go as changes. Bounded by the entries they hold (a 10,000-file manifest is a few megabytes);
 * one forgotten only means its runners get the next manifest whole.
 */
final class RecentManifests {
    private final long maxEntries;
    private final LinkedHashMap<String, BuildManifest> byDigest = new LinkedHashMap<>(16, 0.75f, true);
    private long entries;

    RecentManifests(long maxEntries) {
        this.maxEntries = maxEntries;
    }

    synchronized void remember(BuildManifest manifest) {
        BuildManifest old = byDigest.put(manifest.digest(), manifest);
        if (old != null) entries -= old.size();
        entries += manifest.size();
        Iterator<Map.Entry<String, BuildManifest>> eldest = byDigest.entrySet().iterator();
        while (entries > maxEntries && byDigest.size() > 1 && eldest.hasNext()) {
            BuildManifest dropped = eldest.next().getValue();
            if (dropped == manifest) continue;
            eldest.remove();
            entries -= dropped.size();
        }
    }

    synchronized BuildManifest find(String digest) {
        return byDigest.get(digest);
    }
}
