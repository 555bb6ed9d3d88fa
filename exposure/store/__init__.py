"""SQLite storage: connection, named migrations and repository functions."""

from exposure.store.db import connect, transaction

__all__ = ["connect", "transaction"]
