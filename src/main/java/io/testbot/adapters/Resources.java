package io.testbot.adapters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Helper files that adapters ship in the jar and run from disk (Ruby scripts, the JUnit launcher). */
final class Resources {
    private Resources() {}

    /** Each resource's bytes, read from the jar once. */
    private static final Map<String, byte[]> contents = new ConcurrentHashMap<>();

    private static byte[] content(String resource) throws IOException {
        byte[] known = contents.get(resource);
        if (known != null) return known;
        try (InputStream in = Resources.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException(resource + " is missing from the testbot jar");
            byte[] bytes = in.readAllBytes();
            contents.put(resource, bytes);
            return bytes;
        }
    }

    /** Whether the file is a regular file (not a link) holding exactly these bytes. */
    private static boolean holds(Path file, byte[] bytes) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return attributes.isRegularFile() && attributes.size() == bytes.length && java.util.Arrays.equals(Files.readAllBytes(file), bytes);
        } catch (IOException gone) {
            return false;
        }
    }

    /**
     * Writes a resource of this package into dir under the given name, by an atomic rename (instances race here and
     * others may be reading an older copy), unless the file there holds it already. Its content is compared on every
     * call, not trusted: jobs run as the runner's user, and a build that rewrote a worker script would otherwise have
     * every later build of the runner run its code (a few kilobytes, read from the page cache: microseconds).
     */
    static Path unpack(String resource, Path dir, String name) throws IOException {
        Path target = dir.resolve(name);
        byte[] bytes = content(resource);
        if (holds(target, bytes)) return target;
        Files.createDirectories(dir);
        Path temporary = Files.createTempFile(dir, name, ".tmp");
        try {
            Files.write(temporary, bytes);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
        return target;
    }

    /** The loop every Ruby framework's worker runs in (see testbot_worker.rb): unpacked beside each worker script. */
    static final String RUBY_WORKER = "testbot_worker.rb";
    /** How a job's files are claimed when they are shared between instances: required by the frameworks' scripts. */
    static final String CLAIMS = "testbot_claims.rb";

    /** Writes a framework's Ruby worker script into dir, with the worker loop and the claims it requires beside it. */
    static Path unpackRubyWorker(String script, Path dir) throws IOException {
        unpack(RUBY_WORKER, dir, RUBY_WORKER);
        unpack(CLAIMS, dir, CLAIMS);
        return unpack(script, dir, script);
    }

    /** Starts a spare worker from a zygote in milliseconds (see testbot_spare_stub.rb): the same for every Ruby framework. */
    static final String SPARE_STUB = "testbot_spare_stub.rb";

    /** The command of a Ruby framework's worker (see {@link Adapter#workerCommand}). */
    static List<String> rubyWorkerCommand(String script, Path tools) throws IOException {
        return List.of("ruby", unpackRubyWorker(script, tools).toString());
    }

    /**
     * The command of a spare of a Ruby framework's worker, forked from its zygote (see {@link Adapter#spareStubCommand}):
     * without RubyGems, Ruby starts in 20 ms, and all the stub needs is its socket library.
     */
    static List<String> rubySpareStubCommand(String script, Path tools) throws IOException {
        return List.of("ruby", "--disable-gems", unpack(SPARE_STUB, tools, SPARE_STUB).toString(), unpackRubyWorker(script, tools).toString());
    }

    /**
     * A Ruby worker's job whose files another instance may take over: its fields, and the claims directory and the
     * job's files, which testbot_claims.rb numbers the claims by (see {@link Adapter#sharesFiles}).
     */
    static String sharedJobLine(Map<String, Object> job, java.nio.file.Path claims, List<String> files) {
        Map<String, Object> shared = new java.util.LinkedHashMap<>(job);
        shared.put("claims", claims.toString());
        shared.put("entries", files);
        return jsonLine(shared);
    }

    /** A job for a Ruby worker: one line of JSON. */
    static String jsonLine(Object job) {
        try {
            return io.testbot.protocol.Json.MAPPER.writeValueAsString(job);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
