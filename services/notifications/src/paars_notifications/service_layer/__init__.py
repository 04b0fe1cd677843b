"""Use cases: turning events into prompts, releasing held prompts, delivering them, reading them."""
