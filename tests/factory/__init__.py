"""Tests of the task-package wheel factory (issue 3)."""
