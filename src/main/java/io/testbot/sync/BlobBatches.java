package io.testbot.sync;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Many blobs in one request: a zip whose entries are named by their SHA-256 (the wire format of
 * {@link io.testbot.protocol.Api#BLOBS_FETCH} and {@link io.testbot.protocol.Api#BLOBS_UPLOAD}). A new project is
 * mostly small files; one request each made its first upload and its first sync on a runner a round trip per file.
 */
public final class BlobBatches {
    private BlobBatches() {}

    /** A batch holds at most this many bytes of content, unless one blob alone is bigger. */
    public static final long MAX_BATCH_BYTES = 8L << 20;

    /** Splits blobs into batches of at most maxCount blobs and about maxBytes, in their order. */
    public static List<List<String>> partition(Collection<String> shas, ToLongFunction<String> size, int maxCount, long maxBytes) {
        List<List<String>> batches = new ArrayList<>();
        List<String> batch = new ArrayList<>();
        long bytes = 0;
        for (String sha : shas) {
            long length = size.applyAsLong(sha);
            if (!batch.isEmpty() && (batch.size() >= maxCount || bytes + length > maxBytes)) {
                batches.add(batch);
                batch = new ArrayList<>();
                bytes = 0;
            }
            batch.add(sha);
            bytes += length;
        }
        if (!batch.isEmpty()) batches.add(batch);
        return batches;
    }

    /** Writes the blobs, read from their files, as one zip. */
    public static void write(OutputStream out, List<String> shas, Function<String, Path> file) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        zip.setLevel(Deflater.BEST_SPEED);
        for (String sha : shas) {
            zip.putNextEntry(new ZipEntry(sha));
            Files.copy(file.apply(sha), zip);
            zip.closeEntry();
        }
        zip.finish();
    }

    /**
     * Reads a zip of blobs into the store: each entry is checked against its name by {@link BlobStore#put};
     * an entry not asked for is an error. Returns how many were stored.
     */
    public static int read(InputStream in, Set<String> wanted, BlobStore store, long maxBlobBytes) throws IOException {
        int stored = 0;
        ZipInputStream zip = new ZipInputStream(in);
        for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
            if (!wanted.contains(entry.getName())) throw new IOException("the server sent a blob that was not asked for: " + entry.getName());
            store.put(entry.getName(), zip, maxBlobBytes);
            stored++;
        }
        return stored;
    }
}
