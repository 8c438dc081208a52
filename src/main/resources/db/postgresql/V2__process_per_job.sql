-- A runner that starts a process per job (--no-warm) pays the framework's boot in every job, one with warm workers
-- once per instance and build: the cost of starting a job is kept per mode (see the SQLite store's V7).
ALTER TABLE runners ADD COLUMN process_per_job INTEGER NOT NULL DEFAULT 0;
ALTER TABLE job_overheads ADD COLUMN process_per_job INTEGER NOT NULL DEFAULT 0;
ALTER TABLE job_overheads DROP CONSTRAINT job_overheads_pkey;
ALTER TABLE job_overheads ADD PRIMARY KEY (project, adapter, process_per_job);
