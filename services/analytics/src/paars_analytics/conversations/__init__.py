"""Conversations' events (1:1s held or skipped, coaching sessions completed) into each person's state."""
