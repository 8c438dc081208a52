-- A file's runtime is planned from several builds, not the last one alone: an exponentially weighted mean of its
-- builds' runtimes and of how far they stray from it (see store.RuntimeHistory); seconds holds the estimate the
-- planner uses. build_seconds sums this build's parts of the file; prior_* is the history before this build.
ALTER TABLE runtimes ADD COLUMN build_seconds REAL;
ALTER TABLE runtimes ADD COLUMN mean REAL;
ALTER TABLE runtimes ADD COLUMN spread REAL;
ALTER TABLE runtimes ADD COLUMN samples INTEGER;
ALTER TABLE runtimes ADD COLUMN prior_mean REAL;
ALTER TABLE runtimes ADD COLUMN prior_spread REAL;
ALTER TABLE runtimes ADD COLUMN prior_samples INTEGER;
UPDATE runtimes SET build_seconds = seconds, mean = seconds, spread = 0, samples = 1, prior_mean = 0, prior_spread = 0, prior_samples = 0;
