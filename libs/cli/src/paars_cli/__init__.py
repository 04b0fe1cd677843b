"""The `paars` command-line tool."""
