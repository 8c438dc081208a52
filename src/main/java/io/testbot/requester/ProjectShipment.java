package io.testbot.requester;

import io.testbot.protocol.Api;
import io.testbot.protocol.ApiClient;
import io.testbot.protocol.BlobQuery;
import io.testbot.protocol.FileEntry;
import io.testbot.sync.BlobBatches;
import io.testbot.sync.HashCache;
import io.testbot.sync.ProjectScanner;
import io.testbot.sync.Transfers;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A project's snapshot on its way to a server: scanned, the files the server lacks uploaded, and the manifest the
 * build request carries. The server is asked only about files whose content is new to this machine's digest cache
 * (asking about 10,000 unchanged files cost a round trip of 700 KB): when it lacks others too (a server new to the
 * project, or one that removed old files), it answers the build with 409, and is asked about them all.
 */
final class ProjectShipment {
    private final ApiClient client;
    private final Path root;
    private final PrintStream err;
    private final Map<String, Path> sources = new HashMap<>();
    private final List<FileEntry> manifest;

    /** Scans the project (and a shipped classpath) and uploads what the server lacks. */
    ProjectShipment(ApiClient client, Path root, List<String> ignores, HashCache hashes, ShippedClasspath classpath, PrintStream err)
            throws IOException, InterruptedException {
        this.client = client;
        this.root = root;
        this.err = err;
        ProjectScanner scanner = new ProjectScanner(ignores, hashes);
        List<FileEntry> scanned = new ArrayList<>(scanner.scan(root));
        hashes.save();
        List<String> skipped = scanner.skippedLinks();
        if (!skipped.isEmpty()) {
            err.printf("testbot: %d symbolic link(s) not shipped to the runners: %s%s%n", skipped.size(), String.join(", ", skipped.subList(0, Math.min(3, skipped.size()))),
                    skipped.size() > 3 ? ", and " + (skipped.size() - 3) + " more" : "");
        }
        if (classpath != null) {
            scanned.addAll(classpath.entries());
            sources.putAll(classpath.sources());
        }
        this.manifest = List.copyOf(scanned);
        java.util.Set<String> hashed = hashes.hashed();
        sendMissing(manifest.stream().filter(entry -> hashed.contains(entry.sha256())).toList());
    }

    List<FileEntry> manifest() {
        return manifest;
    }

    /** After a 409: uploads every blob of the snapshot the server lacks. */
    void sendMissing() throws IOException, InterruptedException {
        sendMissing(manifest);
    }

    /** Uploads the blobs of these entries that the server lacks; says how much of the snapshot moved. */
    private void sendMissing(List<FileEntry> entries) throws IOException, InterruptedException {
        Map<String, FileEntry> bySha = new HashMap<>();
        for (FileEntry e : entries) bySha.putIfAbsent(e.sha256(), e);
        List<String> missing = bySha.isEmpty() ? List.of()
                : client.post(Api.BLOBS_MISSING, new BlobQuery(List.copyOf(bySha.keySet())), BlobQuery.class).sha256();
        long bytes = missing.stream().mapToLong(sha -> bySha.get(sha).size()).sum();
        long total = manifest.stream().mapToLong(FileEntry::size).sum();
        AtomicInteger done = new AtomicInteger();
        Function<String, Path> fileOf = sha -> sources.getOrDefault(bySha.get(sha).path(), root.resolve(bySha.get(sha).path()));
        List<List<String>> batches = BlobBatches.partition(missing, sha -> bySha.get(sha).size(), Api.MAX_BLOBS_PER_BATCH, BlobBatches.MAX_BATCH_BYTES);
        Transfers.each(batches, batch -> {
            try {
                client.postStreaming(Api.BLOBS_UPLOAD, "application/zip", out -> BlobBatches.write(out, batch, fileOf));
            } catch (ApiClient.ApiException e) {
                if (e instanceof ApiClient.AuthException) throw e;
                // The server names the blob it refused: say which file that is.
                String refused = batch.stream().filter(sha -> e.getMessage().contains(sha)).findFirst().orElse(null);
                String what = refused != null ? bySha.get(refused).path() : batch.size() + " file(s)";
                String why = refused != null ? e.getMessage().replace("blob " + refused + ": ", "") : e.getMessage();
                throw new ApiClient.ApiException(e.status(), "cannot upload " + what + ": " + why
                        + (e.status() == 400 && refused != null ? " (leave it out with 'ignore' in .testbot.yml)" : ""));
            }
            int uploaded = done.addAndGet(batch.size());
            if (batches.size() > 1) err.printf("testbot: uploaded %d of %d files%n", uploaded, missing.size());
        });
        err.printf("testbot: project snapshot of %d files (%s): uploaded %d file(s) (%s)%n", manifest.size(), SummaryReport.bytes(total),
                missing.size(), SummaryReport.bytes(bytes));
    }
}
