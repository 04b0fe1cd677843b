"""The goals part of the analytics stream."""
