"""Snapshot tests of the main states at a fixed size.

Stable by construction: fixed sample data (tests/conftest.py), name order,
decision times pinned, no cursor blink, no clock anywhere.  Regenerate with
``pytest tests/test_snapshots.py --snapshot-update`` and look at the report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from triage.store import Store

SIZE = (100, 32)
ADA, GRACE, KATHERINE, MARGARET = 1, 2, 12, 8
PINNED = "2025-03-14T09:30:00"  # naive: the same day in every time zone


def pin_times(store: Store) -> None:
    store.conn.execute("UPDATE contacts SET decided_at = ? WHERE decided_at != ''", (PINNED,))


def decorate(store: Store, deck_id: int) -> None:
    """Grace: invited, two tags and a note; two more tags exist in the deck."""
    store.set_tag(GRACE, "navy", True)
    store.set_tag(GRACE, "keynote", True)
    store.set_tag(ADA, "mentor", True)
    store.set_note(
        GRACE, "Grace, your COBOL talk changed how I teach. Would love to stay in touch."
    )
    store.decide(GRACE, "invite")
    store.decide(ADA, "skip")
    pin_times(store)
    store.set_cursor(deck_id, GRACE)


def test_first_card(snap_compare: Any, make_app: Callable[..., Any]) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE)


def test_card_merged_record(
    snap_compare: Any, make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    store.set_cursor(deck.id, GRACE)
    assert snap_compare(make_app(), terminal_size=SIZE)


def test_card_invited_with_tags_and_note(
    snap_compare: Any, make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    decorate(store, deck.id)
    assert snap_compare(make_app(), terminal_size=SIZE)


def test_card_80x24(
    snap_compare: Any, make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    decorate(store, deck.id)
    assert snap_compare(make_app(), terminal_size=(80, 24))


def test_wide_terminal_side_panel(
    snap_compare: Any, make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    decorate(store, deck.id)
    assert snap_compare(make_app(), terminal_size=(140, 36))


def test_note_editor(
    snap_compare: Any, make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    store.set_cursor(deck.id, KATHERINE)

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("n", *"Loved your orbital mechanics talk")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_tag_picker_autocompletes(
    snap_compare: Any, make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    decorate(store, deck.id)
    store.set_cursor(deck.id, MARGARET)

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("t", "k", "e")
        await pilot.pause(0.2)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_help_screen(
    snap_compare: Any, make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    decorate(store, deck.id)
    assert snap_compare(make_app(), terminal_size=SIZE, press=["question_mark"])


def test_filter_chooser(
    snap_compare: Any, make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    decorate(store, deck.id)
    assert snap_compare(make_app(), terminal_size=SIZE, press=["f"])


def test_summary(
    snap_compare: Any, make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    decorate(store, deck.id)
    for cid in range(3, 14):
        store.decide(cid, "invite" if cid % 3 else "skip")
    store.conn.execute("UPDATE contacts SET decision = 'undecided' WHERE id = ?", (MARGARET,))
    store.forget_counts()
    pin_times(store)
    store.set_cursor(deck.id, MARGARET)

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("a")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


LONG_NOTES = "\n".join(
    f"Line {n}: met at the compiler meetup, talked about punched cards and looms."
    for n in range(1, 13)
)


def test_card_50x15(
    snap_compare: Any, make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    """The smallest supported terminal: position and total, the card, the keys."""
    store, deck = store_deck
    decorate(store, deck.id)
    assert snap_compare(make_app(), terminal_size=(50, 15))


def test_card_160x48(
    snap_compare: Any, make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    decorate(store, deck.id)
    assert snap_compare(make_app(), terminal_size=(160, 48))


def test_card_light_theme(
    snap_compare: Any, make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    from triage.config import Config

    store, deck = store_deck
    decorate(store, deck.id)
    assert snap_compare(make_app(config=Config(theme="textual-light")), terminal_size=SIZE)


def test_long_notes_scroll_in_their_field_80x24(
    snap_compare: Any, make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    """Name, decision and provenance stay in view; the notes show lines 2-4."""
    store, deck = store_deck
    decorate(store, deck.id)
    store.conn.execute("UPDATE contacts SET notes = ? WHERE id = ?", (LONG_NOTES, GRACE))
    store.conn.commit()

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("shift+down")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_export_dialog_50x15(
    snap_compare: Any, make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    """The fields scroll; the buttons stay in view."""
    store, deck = store_deck
    decorate(store, deck.id)

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("e")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(50, 15), run_before=run_before)


def test_tag_dialog_50x15(
    snap_compare: Any, make_app: Callable[..., Any], store_deck: tuple[Store, Any]
) -> None:
    store, deck = store_deck
    decorate(store, deck.id)

    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.press("t", "k", "e")
        await pilot.pause(0.2)

    assert snap_compare(make_app(), terminal_size=(50, 15), run_before=run_before)
