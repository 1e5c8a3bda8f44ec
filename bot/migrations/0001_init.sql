-- Turnout's first schema. Times are UTC text in one form (2026-12-07T00:00:00Z) so they sort.
-- Personal data is kept to the minimum: a platform user id, a display name, and two preferences.

CREATE TABLE people (
    id            INTEGER PRIMARY KEY,
    platform      TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    tz            TEXT,
    reminders     INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    UNIQUE (platform, user_id)
);

CREATE TABLE events (
    id             INTEGER PRIMARY KEY,
    title          TEXT NOT NULL,
    kind           TEXT NOT NULL DEFAULT 'event',
    starts_at      TEXT NOT NULL,
    ends_at        TEXT NOT NULL,
    location       TEXT NOT NULL DEFAULT '',
    about          TEXT NOT NULL DEFAULT '',
    link           TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    cancel_reason  TEXT,
    remind         TEXT,
    source_key     TEXT UNIQUE,
    series_id      INTEGER,
    created_by     INTEGER REFERENCES people(id) ON DELETE SET NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX events_by_time ON events (status, starts_at);

CREATE TABLE roles (
    id        INTEGER PRIMARY KEY,
    event_id  INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    spots     INTEGER CHECK (spots IS NULL OR spots > 0),
    position  INTEGER NOT NULL,
    UNIQUE (event_id, name)
);

CREATE TABLE signups (
    id             INTEGER PRIMARY KEY,
    event_id       INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    role_id        INTEGER NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    person_id      INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    status         TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    seq            INTEGER NOT NULL,
    signed_up_at   TEXT NOT NULL,
    checked_in_at  TEXT,
    UNIQUE (event_id, person_id)
);
CREATE INDEX signups_by_role ON signups (role_id, status, seq);
CREATE INDEX signups_by_person ON signups (person_id, status);

CREATE TABLE petitions (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    goal        INTEGER NOT NULL CHECK (goal > 0),
    online      INTEGER NOT NULL DEFAULT 0 CHECK (online >= 0),
    paper       INTEGER NOT NULL DEFAULT 0 CHECK (paper >= 0),
    link        TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT 'manual',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE petition_counts (
    petition_id  INTEGER NOT NULL REFERENCES petitions(id) ON DELETE CASCADE,
    at           TEXT NOT NULL,
    total        INTEGER NOT NULL,
    PRIMARY KEY (petition_id, at)
);

CREATE TABLE channel_links (
    id            INTEGER PRIMARY KEY,
    purpose       TEXT NOT NULL CHECK (purpose IN ('announcements', 'reminders', 'petition')),
    platform      TEXT NOT NULL,
    workspace_id  TEXT NOT NULL DEFAULT '',
    channel_id    TEXT NOT NULL,
    label         TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    UNIQUE (purpose, platform, channel_id)
);

-- The outbox: every message sent to someone other than the person being answered.
CREATE TABLE deliveries (
    id                   INTEGER PRIMARY KEY,
    key                  TEXT NOT NULL UNIQUE,
    kind                 TEXT NOT NULL,
    platform             TEXT NOT NULL,
    target_kind          TEXT NOT NULL CHECK (target_kind IN ('dm', 'channel')),
    address              TEXT NOT NULL,
    workspace_id         TEXT NOT NULL DEFAULT '',
    label                TEXT NOT NULL DEFAULT '',
    person_id            INTEGER REFERENCES people(id) ON DELETE CASCADE,
    event_id             INTEGER REFERENCES events(id) ON DELETE CASCADE,
    payload              TEXT NOT NULL,
    due_at               TEXT NOT NULL,
    state                TEXT NOT NULL DEFAULT 'pending'
                         CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'skipped', 'uncertain',
                                          'cancelled')),
    attempts             INTEGER NOT NULL DEFAULT 0,
    last_error           TEXT,
    platform_message_id  TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX deliveries_by_due ON deliveries (state, due_at);
CREATE INDEX deliveries_by_person ON deliveries (person_id);

CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
