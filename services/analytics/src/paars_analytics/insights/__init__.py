"""The insights part of the analytics stream."""
