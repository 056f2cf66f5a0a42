"""Fractal tasks for the pytest-taskcollect walk-through."""
