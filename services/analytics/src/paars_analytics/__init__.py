"""Paars analytics: performance linked to development, per person, team and organisation, as it happens."""
