-- Re-runs of failing examples: which attempt a job is, and the runner it should avoid if another can take it.
ALTER TABLE jobs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN avoid_runner TEXT;
