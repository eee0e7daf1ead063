"""Where a walk resumes, looked up on a thread while Textual loads.

Finding the first card (:func:`triage.walk.find_start`) costs the store
queries whose price grows with the deck: the counts by decision for the
header and the card's place in the walk (together ~10-20 ms on 100,000
contacts in a fresh process, where SQLite still has to read the pages).
SQLite runs them without holding the GIL, so ``review`` starts them before
it imports Textual and they overlap that import (~150 ms) instead of
delaying the first card.

The store is not thread-safe: nothing else may use it from the moment the
lookup starts until :meth:`StartLookup.result` has returned (the review
screen waits for it when it mounts; ``review`` waits for it before it
returns).  This module does not import Textual.
"""

from __future__ import annotations

import threading

from triage.model import Deck, WalkFilter
from triage.store import Store
from triage.walk import WalkStart, find_start

__all__ = ["StartLookup", "WalkStart", "find_start"]


class StartLookup:
    """:func:`find_start` on a thread (or at once with ``thread=False``)."""

    def __init__(
        self,
        store: Store,
        deck: Deck,
        order: str,
        *,
        thread: bool = True,
        flt: WalkFilter | None = None,
    ) -> None:
        """``flt``: the walk to start (the deck kind's default)."""
        self._result: WalkStart | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if thread:
            self._thread = threading.Thread(
                target=self._run, args=(store, deck, order, flt), name="triage-start", daemon=True
            )
            self._thread.start()
        else:
            self._run(store, deck, order, flt)

    def _run(self, store: Store, deck: Deck, order: str, flt: WalkFilter | None) -> None:
        try:
            self._result = find_start(store, deck, order, flt)
        except BaseException as exc:  # handed to whoever waits for the result
            self._error = exc

    def wait(self) -> None:
        """Return once the store is free again."""
        if self._thread is not None:
            self._thread.join()

    def result(self) -> WalkStart:
        self.wait()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result
