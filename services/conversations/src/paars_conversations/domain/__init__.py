"""Domain of the conversations service: pure rules, no I/O."""
