-- Named tokens (testbot server token add): who may do what; the token itself is kept only as its SHA-256.
CREATE TABLE tokens (
    name       TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    sha256     TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
