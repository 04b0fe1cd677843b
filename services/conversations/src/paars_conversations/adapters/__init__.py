"""SQL, protobuf and directory adapters of the conversations service."""
