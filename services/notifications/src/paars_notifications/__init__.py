"""The notifications service: immediate-feedback prompts that reach the right person, without fatigue."""
