package io.testbot.server;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.testbot.protocol.Api;
import io.testbot.protocol.BlobQuery;
import io.testbot.protocol.Version;
import io.testbot.sync.BlobBatches;
import io.testbot.sync.BlobStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The server's files: which of a manifest's blobs it lacks, uploads (one at a time, or zipped batches capped as
 * sent and as unpacked), blobs to runners (one, or zipped batches), and its own jar for runners to update from.
 */
final class BlobRoutes {
    private final BlobStore blobs;
    private final ServerConfig.Limits limits;
    private final Metrics metrics;

    BlobRoutes(BlobStore blobs, ServerConfig.Limits limits, Metrics metrics) {
        this.blobs = blobs;
        this.limits = limits;
        this.metrics = metrics;
    }

    void routes(Javalin app) {
        app.post(Api.BLOBS_MISSING, this::missingBlobs);
        app.put(Api.BLOB, this::putBlob);
        app.get(Api.BLOB, this::getBlob);
        app.post(Api.BLOBS_FETCH, this::fetchBlobs);
        app.post(Api.BLOBS_UPLOAD, this::uploadBlobs);
        app.get(Api.RUNNER_UPDATE, this::serveOwnJar);
    }

    void missingBlobs(Context ctx) {
        BlobQuery query = ApiRoutes.body(ctx, BlobQuery.class, limits.maxRequestBytes());
        if (query.sha256() == null) throw new ApiErrors.BadRequest("sha256 list is required");
        if (query.sha256().size() > TestbotServer.MAX_MANIFEST_ENTRIES) throw new ApiErrors.BadRequest("too many blobs in one query (max " + TestbotServer.MAX_MANIFEST_ENTRIES + ")");
        Set<String> missing = new HashSet<>();
        for (String sha : query.sha256()) {
            if (!io.testbot.sync.Hashing.isSha256(sha)) throw new ApiErrors.BadRequest("not a SHA-256 hex digest: " + sha);
            if (!blobs.has(sha)) missing.add(sha);
        }
        ctx.json(new BlobQuery(missing.stream().sorted().toList()));
    }

    void putBlob(Context ctx) throws IOException {
        String sha = shaPath(ctx);
        try (CappedInput in = new CappedInput(ctx.bodyInputStream(), Long.MAX_VALUE - 1, "a file")) {
            blobs.put(sha, in, limits.maxBlobBytes());
            metrics.uploaded(in.bytesRead());
        }
        ctx.status(HttpStatus.NO_CONTENT);
    }

    /** The server's own jar and its digest, once computed. */
    private volatile String ownJarSha256;

    /** What an outdated runner updates itself from: this server's own jar, its version and digest in the headers. */
    void serveOwnJar(Context ctx) throws IOException {
        Path jar = Version.jar().orElseThrow(() -> new ApiErrors.NotFound("this server does not run from a jar: runners cannot update from it"));
        if (ownJarSha256 == null) ownJarSha256 = io.testbot.sync.Hashing.sha256(jar);
        ctx.header(Api.VERSION_HEADER, Version.CURRENT).header(Api.SHA256_HEADER, ownJarSha256).contentType("application/java-archive");
        metrics.served(Files.size(jar));
        ctx.result(Files.newInputStream(jar));
    }

    void getBlob(Context ctx) throws IOException {
        String sha = shaPath(ctx);
        if (!blobs.has(sha)) throw new ApiErrors.NotFound("no blob " + sha);
        ctx.contentType("application/octet-stream");
        metrics.served(Files.size(blobs.path(sha)));
        ctx.result(Files.newInputStream(blobs.path(sha)));
    }

    /** The blobs asked for that the server has, as a zip of entries named by their digests. */
    void fetchBlobs(Context ctx) throws IOException {
        BlobQuery query = ApiRoutes.body(ctx, BlobQuery.class, limits.maxRequestBytes());
        if (query.sha256() == null) throw new ApiErrors.BadRequest("sha256 list is required");
        if (query.sha256().size() > Api.MAX_BLOBS_PER_BATCH) throw new ApiErrors.BadRequest("too many blobs in one batch (max " + Api.MAX_BLOBS_PER_BATCH + ")");
        for (String sha : query.sha256()) {
            if (!io.testbot.sync.Hashing.isSha256(sha)) throw new ApiErrors.BadRequest("not a SHA-256 hex digest: " + sha);
        }
        List<String> held = query.sha256().stream().distinct().filter(blobs::has).toList();
        long bytes = 0;
        for (String sha : held) bytes += Files.size(blobs.path(sha));
        metrics.served(bytes);
        ctx.contentType("application/zip");
        BlobBatches.write(ctx.outputStream(), held, blobs::path);
        ctx.outputStream().flush();
    }

    /** Stores every entry of a zip as the blob its name says; an entry that does not match its name is a 400. */
    void uploadBlobs(Context ctx) throws IOException {
        int count = 0;
        long cap = limits.maxUploadBytes();
        // Capped as sent and as unpacked: a zip of a megabyte can hold gigabytes of zeros.
        try (java.util.zip.ZipInputStream packed = new java.util.zip.ZipInputStream(new CappedInput(ctx.bodyInputStream(), cap, "an upload"));
             CappedInput zip = new CappedInput(packed, cap, "an upload's files")) {
            for (java.util.zip.ZipEntry entry; (entry = packed.getNextEntry()) != null; ) {
                if (++count > Api.MAX_BLOBS_PER_BATCH) throw new ApiErrors.BadRequest("too many blobs in one batch (max " + Api.MAX_BLOBS_PER_BATCH + ")");
                String sha = entry.getName();
                if (entry.isDirectory() || !io.testbot.sync.Hashing.isSha256(sha)) throw new ApiErrors.BadRequest("not a SHA-256 hex digest: " + sha);
                try {
                    blobs.put(sha, zip, limits.maxBlobBytes());
                } catch (BlobStore.BlobRejectedException e) {
                    throw new ApiErrors.BadRequest("blob " + sha + ": " + e.getMessage());
                }
            }
            metrics.uploaded(zip.bytesRead());
        } catch (java.util.zip.ZipException e) {
            throw new ApiErrors.BadRequest("not a zip of blobs: " + e.getMessage());
        }
        if (count == 0) throw new ApiErrors.BadRequest("no blobs in the request: expected a zip of entries named by their SHA-256");
        ctx.status(HttpStatus.NO_CONTENT);
    }

    private static String shaPath(Context ctx) {
        String sha = ctx.pathParam("sha");
        if (!io.testbot.sync.Hashing.isSha256(sha)) throw new ApiErrors.BadRequest("not a SHA-256 hex digest: " + sha);
        return sha;
    }
}
