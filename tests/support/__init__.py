"""Test-suite helpers shared by several test folders (not fixtures: plain functions)."""
