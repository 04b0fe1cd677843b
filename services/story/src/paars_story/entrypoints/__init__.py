"""The story service's gRPC servicer."""
