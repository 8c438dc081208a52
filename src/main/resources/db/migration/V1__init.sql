CREATE TABLE runners (
    id            TEXT PRIMARY KEY,
    hostname      TEXT NOT NULL,
    address       TEXT NOT NULL,
    version       TEXT NOT NULL,
    instances     INTEGER NOT NULL,
    work_dir      TEXT,
    registered_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
);

CREATE TABLE builds (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    project      TEXT NOT NULL,
    adapter      TEXT NOT NULL,
    status       TEXT NOT NULL,
    requested_by TEXT,
    files        INTEGER NOT NULL,
    jobs         INTEGER NOT NULL,
    request_json TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER
);

CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    build_id    INTEGER NOT NULL REFERENCES builds(id),
    files_json  TEXT NOT NULL,
    status      TEXT NOT NULL,
    runner_id   TEXT,
    started_at  INTEGER,
    finished_at INTEGER,
    result_json TEXT
);
CREATE INDEX jobs_by_build ON jobs(build_id);

CREATE TABLE file_results (
    build_id INTEGER NOT NULL,
    job_id   INTEGER NOT NULL,
    path     TEXT NOT NULL,
    examples INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    pending  INTEGER NOT NULL,
    seconds  REAL NOT NULL
);
CREATE INDEX file_results_by_build ON file_results(build_id);

CREATE TABLE runtimes (
    project    TEXT NOT NULL,
    adapter    TEXT NOT NULL,
    path       TEXT NOT NULL,
    seconds    REAL NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (project, adapter, path)
);

CREATE TABLE build_events (
    build_id     INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    job_id       INTEGER,
    payload_json TEXT NOT NULL,
    PRIMARY KEY (build_id, seq)
);
