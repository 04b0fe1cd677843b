"""The notifications part of the analytics stream."""
