package io.testbot.sync;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.UUID;

/** A folder of blobs named by their SHA-256; writes are verified and atomic, so a blob present is a blob correct. */
public final class BlobStore {
    private final Path root;
    /**
     * Digests known to be here, where nothing but this store removes blobs (the server's): a build of a project of
     * 10,000 files asks about each of them twice (which are missing, then whether all are there), a stat each. Null
     * where others may remove them (a runner's cache, which its jobs can reach): every question looks.
     */
    private final java.util.Set<String> present;

    public BlobStore(Path root) throws IOException {
        this(root, false);
    }

    private BlobStore(Path root, boolean remember) throws IOException {
        this.root = root;
        this.present = remember ? java.util.concurrent.ConcurrentHashMap.newKeySet() : null;
        Files.createDirectories(root);
    }

    /** A store that only it changes: what it has seen there, it need not look for again. */
    public static BlobStore owned(Path root) throws IOException {
        return new BlobStore(root, true);
    }

    public Path path(String sha256) {
        if (!Hashing.isSha256(sha256)) throw new IllegalArgumentException("not a SHA-256 hex digest: " + sha256);
        return root.resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    public boolean has(String sha256) {
        if (present != null && present.contains(sha256)) return true;
        boolean there = Hashing.isSha256(sha256) && Files.isRegularFile(path(sha256));
        if (there && present != null) present.add(sha256);
        return there;
    }

    /**
     * Stores content that must hash to expectedSha256 and be at most maxBytes long.
     * Nothing is kept when either check fails.
     */
    public void put(String expectedSha256, InputStream content, long maxBytes) throws IOException {
        Path target = path(expectedSha256);
        Files.createDirectories(target.getParent());
        Path tmp = root.resolve("incoming-" + UUID.randomUUID());
        MessageDigest digest = Hashing.sha256();
        long total = 0;
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = content.read(buffer)) > 0; ) {
                    total += n;
                    if (total > maxBytes) throw new BlobRejectedException("blob larger than " + maxBytes + " bytes");
                    digest.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                }
            }
            String actual = Hashing.hex(digest.digest());
            if (!actual.equals(expectedSha256)) {
                throw new BlobRejectedException("content does not match its hash: expected " + expectedSha256 + ", got " + actual);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            if (present != null) present.add(expectedSha256);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Copies a blob to target, hashing it as it goes: true when it matched its digest. One that does not (changed
     * since it was stored) is removed from the store, and target holds whatever was copied, for the caller to drop.
     */
    public boolean copyVerified(String sha256, Path target) throws IOException {
        Path blob = path(sha256);
        InputStream in;
        try {
            in = Files.newInputStream(blob, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        } catch (IOException unreadable) { // gone, or made a link (O_NOFOLLOW refuses it)
            forget(sha256, blob);
            return false;
        }
        MessageDigest digest = Hashing.sha256();
        try (in; OutputStream out = Files.newOutputStream(target)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
                out.write(buffer, 0, n);
            }
        }
        if (Hashing.hex(digest.digest()).equals(sha256)) return true;
        forget(sha256, blob);
        return false;
    }

    private void forget(String sha256, Path blob) {
        if (present != null) present.remove(sha256);
        try {
            Files.deleteIfExists(blob);
        } catch (IOException e) {
            // fetched again over it, or the sync fails saying so
        }
    }

    /**
     * Removes the partial files of uploads that never finished (a server killed mid-upload leaves them), those last
     * written before a time: uploads under way since then are another request's, of this server or one sharing the dir.
     */
    public void removePartialUploads(java.time.Instant writtenBefore) throws IOException {
        try (java.nio.file.DirectoryStream<Path> partial = Files.newDirectoryStream(root, "incoming-*")) {
            for (Path file : partial) {
                try {
                    if (Files.getLastModifiedTime(file).toInstant().isBefore(writtenBefore)) Files.deleteIfExists(file);
                } catch (java.nio.file.NoSuchFileException finished) {
                    // its upload just finished or went
                }
            }
        }
    }

    /** What a removal took away. */
    public record Removed(long blobs, long bytes) {}

    /**
     * Removes every blob not in keep that was stored before the cutoff, and every partial upload (a killed
     * request's) from before it.
     */
    public Removed removeAllBut(java.util.Set<String> keep, java.time.Instant storedBefore) throws IOException {
        long count = 0;
        long bytes = 0;
        try (java.nio.file.DirectoryStream<Path> top = Files.newDirectoryStream(root)) {
            for (Path entry : top) {
                String name = entry.getFileName().toString();
                if (name.startsWith("incoming-")) {
                    if (olderThan(entry, storedBefore)) Files.deleteIfExists(entry);
                    continue;
                }
                if (name.length() != 2 || !Files.isDirectory(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
                try (java.nio.file.DirectoryStream<Path> shard = Files.newDirectoryStream(entry)) {
                    for (Path blob : shard) {
                        String sha = blob.getFileName().toString();
                        if (keep.contains(sha) || !olderThan(blob, storedBefore)) continue;
                        long size = Files.size(blob);
                        // Forgotten first: a build checking for it now finds it missing, not present and then gone.
                        if (present != null) present.remove(sha);
                        if (Files.deleteIfExists(blob)) {
                            count++;
                            bytes += size;
                        }
                    }
                }
            }
        }
        return new Removed(count, bytes);
    }

    private static boolean olderThan(Path file, java.time.Instant cutoff) {
        try {
            return Files.getLastModifiedTime(file, java.nio.file.LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(cutoff);
        } catch (IOException gone) {
            return false;
        }
    }

    /** Content that failed verification. */
    public static final class BlobRejectedException extends IOException {
        public BlobRejectedException(String message) {
            super(message);
        }
    }
}
