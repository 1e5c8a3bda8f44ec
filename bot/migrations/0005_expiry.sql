-- The latest moment a planned message still makes sense (a reminder once its event has begun, an
-- offer once its claim window has closed); past it the postman records the message as skipped.

ALTER TABLE deliveries ADD COLUMN expires_at TEXT;

-- Messages planned before this column: reminders end with their event's start; an offer with its
-- claim window, or at once when the offer is no longer open (it must not go out for a lapsed one).
UPDATE deliveries SET expires_at = (SELECT e.starts_at FROM events e WHERE e.id = deliveries.event_id)
WHERE kind IN ('reminder', 'confirm') AND state = 'pending';
UPDATE deliveries SET expires_at = COALESCE(
    (SELECT s.offer_expires_at FROM signups s WHERE s.event_id = deliveries.event_id
     AND s.person_id = deliveries.person_id AND s.status = 'offered'),
    due_at)
WHERE kind = 'offer' AND state = 'pending';
