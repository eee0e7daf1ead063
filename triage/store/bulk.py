"""Skipping every undecided card of a filter at once: the one bulk change
triage makes.  It can only *skip*: there is no way to invite more than one
person with one action (DESIGN §2).

A bulk skip is one transaction: one ``UPDATE … WHERE`` over the filter's
undecided cards (the walk's own filter SQL) and one journal row of kind
``bulk`` whose ``before`` holds the cards it changed, grouped by what they
held before (``[[decision, decided_at, [id, ...]], ...]``), and whose
``after`` holds what they were given (``{"decision", "decided_at", "cards",
"filter"}``).  Undo puts every card back in one step, redo skips the same
cards again; a card decided by hand was never part of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from triage.model import SKIP, UNDECIDED, WalkFilter

if TYPE_CHECKING:
    import sqlite3
    from contextlib import AbstractContextManager

KIND = "bulk"
# The page cache of a bulk skip: the cards are read to be journaled, then
# rewritten; with the default 2 MB the second pass reads them again from disk.
CACHE_KIB = 65_536

# The WHERE clause of a walk filter (``walking.filter_sql``), handed over by
# the store so that this module does not import it back.
FilterSql = Callable[[WalkFilter, int], tuple[str, tuple[Any, ...]]]


class _Store(Protocol):
    """What this module uses of :class:`~triage.store.database.Store`."""

    conn: sqlite3.Connection

    def transaction(self) -> AbstractContextManager[None]: ...
    def page_cache(self, kib: int) -> AbstractContextManager[None]: ...
    def set_cursor(self, deck_id: int, contact_id: int | None) -> None: ...
    def forget_counts(self) -> None: ...


@dataclass(slots=True, frozen=True)
class Skipped:
    """What a bulk skip (or its undo, or its redo) changed."""

    cards: int
    filter: str


def undecided_of(flt: WalkFilter) -> WalkFilter | None:
    """The undecided cards of ``flt`` (None: the filter holds no undecided
    card, as ``invited`` or ``skipped``)."""
    if flt.decisions and UNDECIDED not in flt.decisions:
        return None
    return WalkFilter(
        decisions=(UNDECIDED,),
        tags=flt.tags,
        flags=flt.flags,
        sources=flt.sources,
        reach=flt.reach,
    )


class Bulk:
    """The bulk skip of one store."""

    def __init__(self, store: _Store, filter_sql: FilterSql) -> None:
        self.store = store
        self._filter_sql = filter_sql

    def count(self, deck_id: int, flt: WalkFilter) -> int:
        """How many undecided cards of ``flt`` a bulk skip would skip."""
        target = undecided_of(flt)
        if target is None:
            return 0
        clause, params = self._filter_sql(target, deck_id)
        (n,) = self.store.conn.execute(
            f"SELECT COUNT(*) FROM contacts WHERE deck_id = ?{clause}", (deck_id, *params)
        ).fetchone()
        return int(n)

    def skip(self, deck_id: int, flt: WalkFilter, label: str, anchor: int) -> Skipped:
        """Skip every undecided card of ``flt`` in one transaction, journaled
        at ``anchor`` (the card shown, where undo and redo return), which is
        also the cursor.  ``label``: the filter in words, for the undo's
        message."""
        target = undecided_of(flt)
        if target is None:
            return Skipped(0, label)
        clause, params = self._filter_sql(target, deck_id)
        conn = self.store.conn
        at = _now()
        with self.store.page_cache(CACHE_KIB), self.store.transaction():
            # The cards by what they held, each group's ids as a JSON array
            # made by SQLite (no Python object per card).
            groups = conn.execute(
                "SELECT decision, decided_at, COUNT(*), json_group_array(id)"
                f" FROM contacts WHERE deck_id = ?{clause} GROUP BY decision, decided_at",
                (deck_id, *params),
            ).fetchall()
            cards = sum(int(n) for _, _, n, _ in groups)
            before = (
                "["
                + ", ".join(f"[{json.dumps(d)}, {json.dumps(a)}, {ids}]" for d, a, _, ids in groups)
                + "]"
            )
            if cards:
                # Only undecided cards match the clause: nothing decided by
                # hand is overwritten, and nothing is ever invited here.
                conn.execute(
                    f"UPDATE contacts SET decision = '{SKIP}', decided_at = ?"
                    f" WHERE deck_id = ?{clause}",
                    (at, deck_id, *params),
                )
                conn.execute(
                    "INSERT INTO journal (deck_id, contact_id, kind, before, after, at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        deck_id,
                        anchor,
                        KIND,
                        before,
                        json.dumps(
                            {"decision": SKIP, "decided_at": at, "cards": cards, "filter": label},
                            ensure_ascii=False,
                        ),
                        at,
                    ),
                )
                self.store.set_cursor(deck_id, anchor)
        if cards:
            self.store.forget_counts()
        return Skipped(cards, label)


def restore(conn: sqlite3.Connection, jid: int, *, undo: bool) -> str:
    """Undo (every card back to what it held before) or redo (the same cards
    skipped again) the bulk skip of journal row ``jid``, inside the caller's
    transaction.  Returns the change's detail for the walk's message
    (:func:`describe` reads it)."""
    before_text, after_text = conn.execute(
        "SELECT before, after FROM journal WHERE id = ?", (jid,)
    ).fetchone()
    groups = [(str(d), str(a), [int(i) for i in ids]) for d, a, ids in json.loads(before_text)]
    after = json.loads(after_text)
    # Only cards that hold what the change left go back (or forward): a
    # change made after it is undone before it, so that is every one of them.
    sql = (
        "UPDATE contacts SET decision = ?, decided_at = ?"
        " WHERE id IN (SELECT value FROM json_each(?)) AND decision = ? AND decided_at = ?"
    )
    done = (str(after["decision"]), str(after["decided_at"]))
    cache = int(conn.execute("PRAGMA cache_size").fetchone()[0])
    conn.execute(f"PRAGMA cache_size = {-CACHE_KIB}")
    try:
        for decision, decided_at, ids in groups:
            held = (decision, decided_at)
            old, new = (done, held) if undo else (held, done)
            conn.execute(sql, (*new, json.dumps(ids), *old))
    finally:
        conn.execute(f"PRAGMA cache_size = {cache}")
    return json.dumps([int(after["cards"]), str(after["filter"])], ensure_ascii=False)


def describe(detail: str) -> Skipped:
    """The cards and the filter of a bulk change's detail (see :func:`restore`)."""
    cards, label = json.loads(detail)
    return Skipped(int(cards), str(label))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
