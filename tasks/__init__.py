"""Work that runs on its own: sending the outbox, and (with the scheduler) everything timed."""
