-- Sources that keep themselves current: petition polling and milestones, imported calendars.

ALTER TABLE petitions ADD COLUMN poll_minutes INTEGER NOT NULL DEFAULT 10;
ALTER TABLE petitions ADD COLUMN milestones TEXT;
-- The highest milestone already announced: a dip and a recross never announce it again.
ALTER TABLE petitions ADD COLUMN milestone_announced INTEGER NOT NULL DEFAULT 0;
ALTER TABLE petitions ADD COLUMN goal_announced INTEGER NOT NULL DEFAULT 0;
ALTER TABLE petitions ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE petitions ADD COLUMN failure_reported INTEGER NOT NULL DEFAULT 0;
ALTER TABLE petitions ADD COLUMN last_error TEXT;
ALTER TABLE petitions ADD COLUMN polled_at TEXT;

CREATE TABLE calendars (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    spec         TEXT NOT NULL,
    speak_spots  INTEGER NOT NULL DEFAULT 5 CHECK (speak_spots > 0),
    failures     INTEGER NOT NULL DEFAULT 0,
    failure_reported INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    synced_at    TEXT,
    created_at   TEXT NOT NULL
);

ALTER TABLE events ADD COLUMN calendar_id INTEGER REFERENCES calendars(id) ON DELETE SET NULL;
CREATE INDEX events_by_calendar ON events (calendar_id, starts_at);
