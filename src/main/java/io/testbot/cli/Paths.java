package io.testbot.cli;

import java.nio.file.Path;

/** Where testbot keeps its files by default. */
final class Paths {
    private Paths() {}

    static Path home() {
        return Path.of(System.getProperty("user.home"), ".testbot");
    }

    static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache")).resolve("testbot");
    }
}
