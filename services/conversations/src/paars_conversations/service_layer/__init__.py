"""Commands, handlers, the unit of work and the message bus of the conversations service."""
