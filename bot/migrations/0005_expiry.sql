-- The latest moment a planned message still makes sense (a reminder once its event has begun, an
-- offer once its claim window has closed); past it the postman records the message as skipped.

ALTER TABLE deliveries ADD COLUMN expires_at TEXT;

-- Messages planned before this column: reminders end with their event's start (one due at or after
-- the start belongs to an all-day entry, reminded of that morning: it ends with the entry); an offer
-- with its claim window, or at once when the offer is no longer open (it must not go out for a lapsed one).
UPDATE deliveries SET expires_at = (SELECT CASE WHEN deliveries.due_at >= e.starts_at THEN e.ends_at
                                                ELSE e.starts_at END
                                    FROM events e WHERE e.id = deliveries.event_id)
WHERE kind IN ('reminder', 'confirm') AND state = 'pending';
UPDATE deliveries SET expires_at = COALESCE(
    (SELECT s.offer_expires_at FROM signups s WHERE s.event_id = deliveries.event_id
     AND s.person_id = deliveries.person_id AND s.status = 'offered'),
    due_at)
WHERE kind = 'offer' AND state = 'pending';
