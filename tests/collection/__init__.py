"""Tests of the pip collection runner (issue 4)."""
