-- Scheduling: waitlist offers and day-before confirmations on sign-ups, an organizers' channel,
-- recurring series, scheduled announcements, and timers (checks that run at a time).

-- SQLite cannot change a CHECK constraint in place: rebuild signups with the 'offered' status.
CREATE TABLE signups_new (
    id                INTEGER PRIMARY KEY,
    event_id          INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    role_id           INTEGER NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    person_id         INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    status            TEXT NOT NULL CHECK (status IN ('confirmed', 'offered', 'waitlisted', 'cancelled')),
    seq               INTEGER NOT NULL,
    signed_up_at      TEXT NOT NULL,
    checked_in_at     TEXT,
    reconfirmed_at    TEXT,
    offer_expires_at  TEXT,
    UNIQUE (event_id, person_id)
);
INSERT INTO signups_new (id, event_id, role_id, person_id, status, seq, signed_up_at, checked_in_at)
    SELECT id, event_id, role_id, person_id, status, seq, signed_up_at, checked_in_at FROM signups;
DROP TABLE signups;
ALTER TABLE signups_new RENAME TO signups;
CREATE INDEX signups_by_role ON signups (role_id, status, seq);
CREATE INDEX signups_by_person ON signups (person_id, status);

CREATE TABLE channel_links_new (
    id            INTEGER PRIMARY KEY,
    purpose       TEXT NOT NULL CHECK (purpose IN ('announcements', 'reminders', 'petition', 'organizers')),
    platform      TEXT NOT NULL,
    workspace_id  TEXT NOT NULL DEFAULT '',
    channel_id    TEXT NOT NULL,
    label         TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    UNIQUE (purpose, platform, channel_id)
);
INSERT INTO channel_links_new SELECT * FROM channel_links;
DROP TABLE channel_links;
ALTER TABLE channel_links_new RENAME TO channel_links;

CREATE TABLE series (
    id          INTEGER PRIMARY KEY,
    rule        TEXT NOT NULL,
    local_time  TEXT NOT NULL,
    first_date  TEXT NOT NULL,
    length_min  INTEGER NOT NULL,
    template    TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL
);

CREATE TABLE announcements (
    id          INTEGER PRIMARY KEY,
    text        TEXT NOT NULL,
    due_at      TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'cancelled')),
    created_by  INTEGER REFERENCES people(id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE timers (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    ref         INTEGER,
    due_at      TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'cancelled')),
    created_at  TEXT NOT NULL
);
CREATE INDEX timers_by_due ON timers (state, due_at);
