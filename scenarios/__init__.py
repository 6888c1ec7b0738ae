"""Scenario files: the schema, the loader and its checks, the calendar, bundled examples."""
