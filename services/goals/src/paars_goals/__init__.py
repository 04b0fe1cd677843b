"""Paars goals service: sustainable, multiple, co-created goals and the organisation directory."""
