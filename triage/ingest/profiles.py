"""The profile URL's matching form, for the importers: it lives in
:mod:`triage.linkedin` so that the store's network pass uses the same one."""

from __future__ import annotations

from triage.linkedin import profile_key

__all__ = ["profile_key"]
