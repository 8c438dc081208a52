-- A runner that starts a process per job (--no-warm) pays the framework's boot in every job, one with warm workers
-- once per instance and build: the cost of starting a job is kept per mode, so that builds of one mode do not plan
-- the other's (nine jobs that each boot, planned from warm workers' tenth of a second). Rows so far count as warm.
ALTER TABLE runners ADD COLUMN process_per_job INTEGER NOT NULL DEFAULT 0;

CREATE TABLE job_overheads_by_mode (
    project         TEXT NOT NULL,
    adapter         TEXT NOT NULL,
    process_per_job INTEGER NOT NULL,
    seconds         REAL NOT NULL,
    samples         INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (project, adapter, process_per_job)
);
INSERT INTO job_overheads_by_mode (project, adapter, process_per_job, seconds, samples, updated_at)
    SELECT project, adapter, 0, seconds, samples, updated_at FROM job_overheads;
DROP TABLE job_overheads;
ALTER TABLE job_overheads_by_mode RENAME TO job_overheads;
