-- A file split into parts runs in several jobs of one build: its runtime is the sum over the build's jobs.
ALTER TABLE runtimes ADD COLUMN build_id INTEGER;
