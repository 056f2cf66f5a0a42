"""The ``taskcollect`` command."""
