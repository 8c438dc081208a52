-- How many of a runner's instances run JUnit's JVMs at once (its --jvms, at most its instances): the server plans
-- such builds for that many, also for a runner it recovers from the store. 0 (rows so far): all its instances.
ALTER TABLE runners ADD COLUMN core_bound_instances INTEGER NOT NULL DEFAULT 0;
