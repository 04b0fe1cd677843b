"""Entry points of the goals service (gRPC)."""
