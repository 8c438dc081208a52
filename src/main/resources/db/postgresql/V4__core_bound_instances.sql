-- How many of a runner's instances run JUnit's JVMs at once (see the SQLite store's V8). 0: all its instances.
ALTER TABLE runners ADD COLUMN core_bound_instances INTEGER NOT NULL DEFAULT 0;
