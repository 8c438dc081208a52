package io.testbot.cli;

import java.nio.file.Path;

/** Where testbot keeps its files by default. */
final class Paths {
    private Paths() {}

    /** $HOME, as a shell user expects; Java's user.home reads the password database instead. */
    static Path userHome() {
        String home = System.getenv("HOME");
        return Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"));
    }

    static Path home() {
        return userHome().resolve(".testbot");
    }

    static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : userHome().resolve(".cache")).resolve("testbot");
    }
}
