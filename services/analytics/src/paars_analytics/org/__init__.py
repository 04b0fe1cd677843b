"""The org part of the analytics stream."""
