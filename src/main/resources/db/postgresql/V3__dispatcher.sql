-- Where the server that dispatches this store's jobs can be reached: a standby sends the API's requests there.
CREATE TABLE dispatcher (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  address TEXT NOT NULL,
  since BIGINT NOT NULL
);
