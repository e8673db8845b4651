"""Helpers for the search tests (tests/test_search*.py)."""
