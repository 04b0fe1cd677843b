"""Use cases of the goals service: one transaction each, with its events in the outbox."""
