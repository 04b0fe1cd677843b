"""SQL, protobuf and directory adapters of the story service."""
