"""Adapters: the database schema and the org-directory projection."""
