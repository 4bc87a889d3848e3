-- One row per pull of a source's entity by its landing asset: when, how many records came back and how many of them
-- were new or changed. Freshness measures the time since the last pull (a quiet source that is pulled on schedule
-- is fresh), and the volume check compares a pull's changed rows with the recent pulls', not with the first load.
CREATE TABLE IF NOT EXISTS source_pulls (
    source_system       TEXT NOT NULL,
    entity              TEXT NOT NULL,
    pulled_at           TIMESTAMP NOT NULL,
    fetched             INTEGER NOT NULL,
    changed             INTEGER NOT NULL,
    PRIMARY KEY (source_system, entity, pulled_at)
);
