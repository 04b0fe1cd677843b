"""Paars conversations service: 1:1s, the hats, coaching, boundary concerns and peer coaching circles."""
