"""The feedback part of the analytics stream."""
