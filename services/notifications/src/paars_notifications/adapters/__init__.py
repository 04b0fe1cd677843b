"""Database tables, the in-process fan-out, webhook and SMTP senders."""
