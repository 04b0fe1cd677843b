"""The feedback service: immediate, concrete, 360-degree feedback, the purple dialogue and action plans."""
