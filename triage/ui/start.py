"""Where a walk resumes, looked up on a thread while Textual loads.

Finding the first card costs the store queries whose price grows with the
deck: the counts by decision for the header and the card's place in the walk
(together ~10-20 ms on 100,000 contacts in a fresh process, where SQLite
still has to read the pages).  SQLite runs them without holding the GIL, so
``review`` starts them before it imports Textual and they overlap that import
(~150 ms) instead of delaying the first card.

The store is not thread-safe: nothing else may use it from the moment the
lookup starts until :meth:`StartLookup.result` has returned (the review
screen waits for it when it mounts; ``review`` waits for it before it
returns).  This module does not import Textual.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from triage.model import ALL, Contact, Deck
from triage.store import Store


@dataclass(slots=True)
class WalkStart:
    """The card to show first (None: the deck is empty), its place in the
    unfiltered walk, and what the screen needs before its first key."""

    contact: Contact | None
    index: int | None
    can_undo: bool
    tags: list[str] = field(default_factory=list)


def find_start(store: Store, deck: Deck, order: str) -> WalkStart:
    """The card the cursor points at, else the first undecided card, else
    the first card; and the counts cached for the header."""
    deck_id = deck.id
    contact: Contact | None = None
    cursor = store.cursor(deck_id)
    if cursor is not None:
        try:
            found = store.contact(cursor)
        except KeyError:
            pass
        else:
            if found.deck_id == deck_id:
                contact = found
    if contact is None:
        first = store.next_undecided(deck_id, order, None)
        if first is None:
            first = store.walk_first(deck_id, order)
        contact = store.contact(first) if first is not None else None
    index = store.walk_index(deck_id, order, ALL, contact.id) if contact is not None else None
    store.counts(deck_id)  # cached by the store: the header reads it for every card
    return WalkStart(contact, index, store.can_undo(deck_id), store.deck_tags(deck_id))


class StartLookup:
    """:func:`find_start` on a thread (or at once with ``thread=False``)."""

    def __init__(self, store: Store, deck: Deck, order: str, *, thread: bool = True) -> None:
        self._result: WalkStart | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if thread:
            self._thread = threading.Thread(
                target=self._run, args=(store, deck, order), name="triage-start", daemon=True
            )
            self._thread.start()
        else:
            self._run(store, deck, order)

    def _run(self, store: Store, deck: Deck, order: str) -> None:
        try:
            self._result = find_start(store, deck, order)
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
