-- A series keeps the time zone it was made in: "Mondays at 7 PM" stays 7 PM there, like the dates
-- already made, when the campaign's zone setting changes later. NULL for series made before this;
-- the next start-up gives them the campaign's zone of that time (tasks/jobs.py, follow_campaign_zone).
ALTER TABLE series ADD COLUMN tz TEXT;
