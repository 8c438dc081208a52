package io.testbot.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.List;

/**
 * A project snapshot as the change from one the receiver has: the entries that are new or differ, and the paths
 * that are gone. With base null it is the whole snapshot (changed holds every entry, removed is empty).
 *
 * @param digest  the snapshot's digest once the change is made (see {@code sync.Manifests#digest})
 * @param base    the digest of the snapshot the change applies to; null for a whole one
 * @param changed entries added or changed since base
 * @param removed paths in base that are no longer in the snapshot
 */
public record ManifestDelta(String digest, String base, List<FileEntry> changed, List<String> removed) {
    public ManifestDelta {
        changed = changed == null ? List.of() : changed;
        removed = removed == null ? List.of() : removed;
    }

    public static ManifestDelta whole(String digest, List<FileEntry> manifest) {
        return new ManifestDelta(digest, null, manifest, List.of());
    }

    @JsonIgnore
    public boolean isWhole() {
        return base == null;
    }
}
