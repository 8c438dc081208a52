package io.testbot.store;

import java.nio.file.Path;

/**
 * Opens the store a URL names: sqlite:PATH (the default: the data dir's testbot.sqlite), or
 * postgresql://USER:PASSWORD@HOST:PORT/DATABASE.
 */
public final class Stores {
    private Stores() {
    }

    /** The default store of a server's data dir. */
    public static String defaultUrl(Path dataDir) {
        return "sqlite:" + dataDir.resolve("testbot.sqlite");
    }

    /** Opens a store; a URL that names none says what it takes, in one line. */
    public static Store open(String url) {
        if (url.startsWith("sqlite:")) {
            String path = url.substring("sqlite:".length());
            if (path.isBlank()) throw new IllegalArgumentException("a SQLite store is sqlite:PATH, and the path is missing");
            return new SqliteStore(Path.of(path));
        }
        if (url.startsWith("postgresql://") || url.startsWith("postgres://")) return new PostgresStore(url);
        throw new IllegalArgumentException("unknown store " + redacted(url) + "; use sqlite:PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE");
    }

    /** The URL without its password, for messages and logs. */
    public static String redacted(String url) {
        return url.replaceFirst("^([a-z]+://[^:/@]*):[^@]*@", "$1:***@");
    }
}
