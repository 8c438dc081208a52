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

    /**
     * What this JVM has written, and the size it wrote. Each instance's first job of a build asks for its worker
     * script: writing it again from the jar every time made the eight instances of a runner queue behind each other
     * for up to a tenth of a second at the start of every build.
     */
    private static final Map<Path, Long> written = new ConcurrentHashMap<>();

    /** The size of a regular file (one stat, not following a link); -1 when there is none. */
    private static long regularFileSize(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return attributes.isRegularFile() ? attributes.size() : -1;
        } catch (IOException gone) {
            return -1;
        }
    }

    /**
     * Writes a resource of this package into dir under the given name, by an atomic rename (instances race here and
     * others may be reading an older copy).
     *
     * @param keep keep a file that is already there (for large files whose name carries their version)
     */
    static Path unpack(String resource, Path dir, String name, boolean keep) throws IOException {
        Path target = dir.resolve(name);
        Long size = written.get(target);
        if (size != null && size == regularFileSize(target)) return target;
        Files.createDirectories(dir);
        if (keep && Files.isRegularFile(target)) return target;
        Path temporary = Files.createTempFile(dir, name, ".tmp");
        try (InputStream in = Resources.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException(resource + " is missing from the testbot jar");
            Files.copy(in, temporary, StandardCopyOption.REPLACE_EXISTING);
            long bytes = Files.size(temporary);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            written.put(target, bytes);
        } finally {
            Files.deleteIfExists(temporary);
        }
        return target;
    }

    /** The loop every Ruby framework's worker runs in (see testbot_worker.rb): unpacked beside each worker script. */
    static final String RUBY_WORKER = "testbot_worker.rb";

    /** Writes a framework's Ruby worker script into dir, with the worker loop it requires beside it. */
    static Path unpackRubyWorker(String script, Path dir) throws IOException {
        unpack(RUBY_WORKER, dir, RUBY_WORKER, false);
        return unpack(script, dir, script, false);
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
        return List.of("ruby", "--disable-gems", unpack(SPARE_STUB, tools, SPARE_STUB, false).toString(), unpackRubyWorker(script, tools).toString());
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
