"""The gRPC entrypoint of the conversations service."""
