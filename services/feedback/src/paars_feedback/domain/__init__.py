"""Pure rules of feedback: privacy, anonymity, gaps, the dialogue; nothing here does I/O."""
