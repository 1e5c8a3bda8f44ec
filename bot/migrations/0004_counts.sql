-- Live counts per role, kept by triggers: reading an event no longer counts its sign-ups, so a
-- sign-up costs the same for the first volunteer and the five-thousandth.

ALTER TABLE roles ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN waitlisted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN offered INTEGER NOT NULL DEFAULT 0;

UPDATE roles SET
    confirmed = (SELECT COUNT(*) FROM signups s WHERE s.role_id = roles.id AND s.status = 'confirmed'),
    waitlisted = (SELECT COUNT(*) FROM signups s WHERE s.role_id = roles.id AND s.status = 'waitlisted'),
    offered = (SELECT COUNT(*) FROM signups s WHERE s.role_id = roles.id AND s.status = 'offered');

CREATE TRIGGER signups_counted_in AFTER INSERT ON signups BEGIN
    UPDATE roles SET confirmed = confirmed + (NEW.status = 'confirmed'),
                     waitlisted = waitlisted + (NEW.status = 'waitlisted'),
                     offered = offered + (NEW.status = 'offered')
    WHERE id = NEW.role_id;
END;

-- Foreign-key cascades (a forgotten person, a deleted event) fire this too.
CREATE TRIGGER signups_counted_out AFTER DELETE ON signups BEGIN
    UPDATE roles SET confirmed = confirmed - (OLD.status = 'confirmed'),
                     waitlisted = waitlisted - (OLD.status = 'waitlisted'),
                     offered = offered - (OLD.status = 'offered')
    WHERE id = OLD.role_id;
END;

CREATE TRIGGER signups_recounted AFTER UPDATE OF status, role_id ON signups
WHEN OLD.status != NEW.status OR OLD.role_id != NEW.role_id BEGIN
    UPDATE roles SET confirmed = confirmed - (OLD.status = 'confirmed'),
                     waitlisted = waitlisted - (OLD.status = 'waitlisted'),
                     offered = offered - (OLD.status = 'offered')
    WHERE id = OLD.role_id;
    UPDATE roles SET confirmed = confirmed + (NEW.status = 'confirmed'),
                     waitlisted = waitlisted + (NEW.status = 'waitlisted'),
                     offered = offered + (NEW.status = 'offered')
    WHERE id = NEW.role_id;
END;

-- The next place in an event's arrival order is one index probe.
CREATE INDEX signups_by_arrival ON signups (event_id, seq);
