-- What starting a job costs on a project (framework boot, loading files): a job's time minus its files' own time.
CREATE TABLE job_overheads (
    project    TEXT NOT NULL,
    adapter    TEXT NOT NULL,
    seconds    REAL NOT NULL,
    samples    INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (project, adapter)
);
