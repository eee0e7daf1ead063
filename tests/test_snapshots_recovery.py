"""Snapshot tests of the recovery deck's card at the two small sizes the walk
must work in: the header counts in a recovery deck's words (kept, to
withdraw), and a footer that fits (every key still in help).

Stable by construction: the invitations of tests/test_recover.py, the sample
address book beside them (Grace is invited there), today pinned for the
"pending for N days" row, no cursor blink.  Regenerate with ``pytest
tests/test_snapshots_recovery.py --snapshot-update`` and look at the report.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.test_recover import CONNECTIONS, INVITATIONS, write
from triage.config import Config
from triage.model import Deck
from triage.recover.deck import recover
from triage.store import Store
from triage.ui.app import ReviewApp
from triage.ui.start import StartLookup

TODAY = date(2026, 2, 10)


class _PinnedDate(date):
    @classmethod
    def today(cls) -> _PinnedDate:
        return cls(TODAY.year, TODAY.month, TODAY.day)


@pytest.fixture
def recovery_app(
    store_deck: tuple[Store, Deck], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> ReviewApp:
    """The recovery deck on Grace Hopper (card 4 of 4, newest first): one
    invitation kept, one to withdraw, Grace invited in address-book deck 't'."""
    monkeypatch.setattr("triage.ui.recover_card.date", _PinnedDate)
    store, book = store_deck
    grace = next(c for c in store.iter_contacts(book.id) if c.name == "Grace Hopper")
    store.decide(grace.id, "invite")
    files = [
        write(tmp_path / "export", "Invitations.csv", INVITATIONS),
        write(tmp_path / "export", "Connections.csv", CONNECTIONS),
    ]
    deck = recover(store, "recover", files, region="US").built.deck
    people = {c.name: c.id for c in store.iter_contacts(deck.id)}
    store.decide(people["John Smith"], "skip")
    store.decide(people["Zoë Doe"], "invite")
    store.set_cursor(deck.id, people["Grace Hopper"])
    store.prepare_order(deck, "newest")  # as `triage review` does before the lookup
    start = StartLookup(store, deck, "newest", thread=False)
    return ReviewApp(store, deck, order="newest", config=Config(), cursor_blink=False, start=start)


def test_recovery_card_80x24(snap_compare: Any, recovery_app: ReviewApp) -> None:
    """'1 kept  1 to withdraw'; the footer shows a, s, w and the rest that fits."""
    assert snap_compare(recovery_app, terminal_size=(80, 24))


def test_recovery_card_50x15(snap_compare: Any, recovery_app: ReviewApp) -> None:
    """The smallest supported terminal: keep, withdraw, the stamp, move, undo, help."""
    assert snap_compare(recovery_app, terminal_size=(50, 15))
