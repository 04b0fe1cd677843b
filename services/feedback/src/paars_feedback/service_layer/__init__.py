"""Use cases of the feedback service: one transaction each, with its events in the outbox."""
