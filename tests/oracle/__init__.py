"""Conformance suite: our schemas and name helpers against the real fractal-server 2.14.5."""
