"""Handlers and the unit of work of the story service."""
