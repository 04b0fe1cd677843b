"""Paars platform: what every Paars service stands on (never imports a service)."""
