"""Feast offline store doing point-in-time joins with DuckDB ASOF joins (see ``store.py``)."""
