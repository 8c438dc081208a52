package io.testbot.adapters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Helper files that adapters ship in the jar and run from disk (Ruby scripts, the JUnit launcher). */
final class Resources {
    private Resources() {}

    /**
     * Writes a resource of this package into dir under the given name, by an atomic rename (instances race here and
     * others may be reading an older copy).
     *
     * @param keep keep a file that is already there (for large files whose name carries their version)
     */
    static Path unpack(String resource, Path dir, String name, boolean keep) throws IOException {
        Path target = Files.createDirectories(dir).resolve(name);
        if (keep && Files.isRegularFile(target)) return target;
        Path temporary = Files.createTempFile(dir, name, ".tmp");
        try (InputStream in = Resources.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException(resource + " is missing from the testbot jar");
            Files.copy(in, temporary, StandardCopyOption.REPLACE_EXISTING);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
        return target;
    }
}
