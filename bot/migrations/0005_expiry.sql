-- The latest moment a planned message still makes sense (a reminder once its event has begun, an
-- offer once its claim window has closed); past it the postman records the message as skipped.

ALTER TABLE deliveries ADD COLUMN expires_at TEXT;
