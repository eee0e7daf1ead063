"""Persistence: every SQL statement of triage lives in this package."""

from triage.store.database import DB_NAME, Store
from triage.store.files import StoreError

__all__ = ["DB_NAME", "Store", "StoreError"]
