"""Pure rules of goals and the organisation directory (no I/O)."""
