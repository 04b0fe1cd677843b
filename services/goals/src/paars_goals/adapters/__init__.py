"""Adapters of the goals service: SQL tables and repositories."""
