-- Re-planning an event's reminders reads its pending deliveries: by event, not by scanning every
-- pending delivery of the campaign (millions of rows at 1,000,000 sign-ups).
CREATE INDEX deliveries_by_event ON deliveries (event_id, state);
