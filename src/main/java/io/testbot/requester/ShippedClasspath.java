package io.testbot.requester;

import io.testbot.protocol.FileEntry;
import io.testbot.sync.HashCache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JVM build's classpath as the runners will see it. Entries inside the project keep their relative paths; a
 * jar outside it (a dependency in ~/.m2) travels as a blob under {@value #DIR}/, named by its digest, so it is
 * uploaded once and then found in every runner's cache. In place (local mode) nothing moves.
 *
 * @param value   the classpath for the launcher's --class-path, ':'-separated
 * @param entries manifest entries for the jars from outside the project
 * @param sources where each of those entries is read from on this machine
 */
record ShippedClasspath(String value, List<FileEntry> entries, Map<String, Path> sources) {
    static final String DIR = ".testbot-classpath";

    static ShippedClasspath of(Path root, List<Path> classpath, boolean inPlace, HashCache cache) throws IOException {
        Path base = root.toAbsolutePath().normalize();
        List<String> parts = new ArrayList<>();
        List<FileEntry> entries = new ArrayList<>();
        Map<String, Path> sources = new LinkedHashMap<>();
        for (Path element : classpath) {
            Path path = base.resolve(element).normalize();
            if (!Files.exists(path)) continue; // Maven lists target/classes even when a module has no main code
            if (path.startsWith(base)) {
                parts.add(base.relativize(path).toString().isEmpty() ? "." : base.relativize(path).toString());
            } else if (inPlace) {
                parts.add(path.toString());
            } else if (Files.isRegularFile(path)) {
                BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
                String sha = cache.sha256(path, attrs);
                String shipped = DIR + "/" + sha.substring(0, 16) + "/" + path.getFileName();
                if (!sources.containsKey(shipped)) {
                    entries.add(new FileEntry(shipped, sha, attrs.size(), false));
                    sources.put(shipped, path);
                }
                parts.add(shipped);
            } else {
                throw new IllegalArgumentException("the classpath has a directory outside the project, which testbot cannot ship: " + path);
            }
        }
        return new ShippedClasspath(String.join(":", parts), entries, sources);
    }
}
