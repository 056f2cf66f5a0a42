"""Shared test configuration."""

# server.summary prints the real-server comparisons (tests/server) at the end of a session.
pytest_plugins = ["pytester", "server.summary"]
