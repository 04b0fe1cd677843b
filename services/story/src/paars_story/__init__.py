"""Paars story service: the organisation story (mission, vision, values, themes), co-authored and plain."""
