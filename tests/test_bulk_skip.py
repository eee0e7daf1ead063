"""Skipping every undecided card of a filter at once, and nothing else in bulk.

The headless walk first (what is skipped, what is left alone, one undo, redo,
durability through a second connection and a second Store), then the window
(the key, the dialog that names the filter and the count, escape), and last
the promise that no key, palette command or command-line verb invites more
than one person with one action.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App

from tests.conftest import DECK
from triage.model import ALL, BLOCKED, UPLOAD_WALK, Deck, WalkFilter
from triage.store import Store
from triage.ui.app import ReviewApp
from triage.ui.bulk import ConfirmBulkSkip
from triage.ui.keys import SKIP_ALL
from triage.ui.review_screen import ReviewScreen
from triage.walk import BULK_NO_FILTER, BULK_RECOVERY, Walk, find_start

# The sample deck (tests/conftest.py); the tag "vip" goes on five of them.
ADA, GRACE, ALAN, ACME, BARBARA, KEN, DENNIS, TIM = 1, 2, 3, 4, 5, 6, 7, 13
VIP = (GRACE, BARBARA, TIM, ALAN, KEN)
VIP_FILTER = WalkFilter("tag", "vip")

Rows = dict[int, tuple[str, str]]


def rows(conn: sqlite3.Connection, deck: Deck) -> Rows:
    """Every card's (decision, decided_at), as committed."""
    return {
        cid: (decision, at)
        for cid, decision, at in conn.execute(
            "SELECT id, decision, decided_at FROM contacts WHERE deck_id = ?", (deck.id,)
        )
    }


def journal_kinds(conn: sqlite3.Connection, deck: Deck) -> list[str]:
    return [k for (k,) in conn.execute("SELECT kind FROM journal WHERE deck_id = ?", (deck.id,))]


@pytest.fixture
def second(store_deck: tuple[Store, Deck]) -> Any:
    """Another connection to the database: sees only what is committed."""
    store, _ = store_deck
    conn = sqlite3.connect(store.path, isolation_level=None)
    yield conn
    conn.close()


def vip_walk(store: Store, deck: Deck) -> Walk:
    """The walk of every card in name order, Grace invited and Alan skipped
    by hand, in the filter 'tag: vip' (on Alan, the first vip card after Ada)."""
    for cid in VIP:
        store.set_tag(cid, "vip", True)
    store.decide(GRACE, "invite")
    store.decide(ALAN, "skip")
    store.set_cursor(deck.id, ADA)
    walk = Walk(store, deck, order="name", start=find_start(store, deck, "name", ALL))
    walk.apply_filter(VIP_FILTER)
    return walk


# -- the headless walk -------------------------------------------------------------


def test_only_the_undecided_cards_of_the_filter_are_skipped(
    store_deck: tuple[Store, Deck], second: sqlite3.Connection
) -> None:
    store, deck = store_deck
    walk = vip_walk(store, deck)
    assert walk.bulk_skip_refusal() == ""
    assert walk.bulk_skip_count() == 3  # Barbara, Tim, Ken: Grace and Alan are decided
    before = rows(second, deck)
    view = walk.bulk_skip()
    assert view.message == (
        "Skipped 3 undecided cards of 'tag: vip'. Press u to undo it in one step."
    )
    after = rows(second, deck)  # committed when the call returns
    changed = {cid for cid in before if before[cid] != after[cid]}
    assert changed == {BARBARA, TIM, KEN}
    assert all(after[cid][0] == "skip" and after[cid][1] for cid in changed)
    assert len({after[cid][1] for cid in changed}) == 1  # one change, one time
    assert after[GRACE] == before[GRACE] and after[ALAN] == before[ALAN]  # decided by hand
    assert after[ADA] == ("undecided", "")  # not in the filter
    assert journal_kinds(second, deck)[-1] == "bulk"
    assert len(journal_kinds(second, deck)) == len(VIP) + 3  # five tags, two decisions, one bulk
    # The counts and the card: the walk stays on the card it showed.
    counts = view.counts
    assert (counts.invite, counts.skip, counts.undecided) == (1, 4, 8)
    assert view.contact is not None and view.contact.id == walk.current_id
    assert view.filter == VIP_FILTER and view.total == 5 and view.can_undo
    assert walk.bulk_skip_count() == 0
    again = walk.bulk_skip()
    assert again.message == "No undecided card in 'tag: vip': nothing to skip."
    assert journal_kinds(second, deck)[-1] == "bulk" and len(journal_kinds(second, deck)) == 8


def test_one_undo_restores_exactly_and_redo_skips_the_same_cards(
    store_deck: tuple[Store, Deck], second: sqlite3.Connection
) -> None:
    store, deck = store_deck
    walk = vip_walk(store, deck)
    anchor = walk.current_id
    before = rows(second, deck)
    walk.bulk_skip()
    skipped = rows(second, deck)
    view = walk.undo()
    assert rows(second, deck) == before
    assert view.message == "Undone: the skip of 3 cards of 'tag: vip' (undecided again)"
    assert view.contact is not None and view.contact.id == anchor
    assert (view.counts.skip, view.counts.undecided) == (1, 11)
    assert view.can_redo
    view = walk.redo()
    assert rows(second, deck) == skipped  # the same cards, the same time
    assert view.message == "Redone: the skip of 3 cards of 'tag: vip' (skipped again)"
    assert (view.counts.skip, view.counts.undecided) == (4, 8) and not view.can_redo
    # A decision after it is undone first; the next undo takes the bulk back.
    walk.jump(ADA)
    walk.decide("invite")
    walk.undo()
    assert rows(second, deck) == skipped
    walk.undo()
    assert rows(second, deck) == before
    walk.undo()  # Alan's own skip, made before
    assert rows(second, deck)[ALAN] == ("undecided", "")


def test_a_bulk_skip_is_durable_and_undone_from_another_session(
    store_deck: tuple[Store, Deck], data_dir: Path
) -> None:
    store, deck = store_deck
    walk = vip_walk(store, deck)
    anchor = walk.current_id
    before = rows(store.conn, deck)
    walk.bulk_skip()
    skipped = rows(store.conn, deck)
    store.close()
    again = Store.open(data_dir)
    try:
        deck2 = again.deck(DECK)
        assert deck2 is not None
        assert rows(again.conn, deck2) == skipped
        counts = again.counts(deck2.id)
        assert (counts.invite, counts.skip, counts.undecided) == (1, 4, 8)
        later = Walk(again, deck2, order="name")  # resumes on the card it showed
        assert later.current_id == anchor
        view = later.undo()
        assert "the skip of 3 cards" in view.message
        assert rows(again.conn, deck2) == before
        assert again.counts(deck2.id).undecided == 11
    finally:
        again.close()


def test_a_filter_of_undecided_cards_empties_and_the_walk_goes_back(
    store_deck: tuple[Store, Deck],
) -> None:
    store, deck = store_deck
    walk = Walk(store, deck, order="name", start=find_start(store, deck, "name", ALL))
    flt = WalkFilter(decisions=["undecided"], flags=["role_address", "no_email"])
    walk.apply_filter(flt)
    assert walk.current_id == ACME
    assert walk.bulk_skip_count() == 3  # Acme (role), Barbara (no email), Ken (invalid)
    view = walk.bulk_skip()
    assert {c: store.contact(c).decision for c in (ACME, BARBARA, KEN)} == dict.fromkeys(
        (ACME, BARBARA, KEN), "skip"
    )
    # Nothing undecided is left in the filter: the default walk, next undecided card.
    assert view.filter == UPLOAD_WALK
    assert view.message.endswith("Back to the walk of 'can be invited'.")
    assert view.contact is not None and view.contact.id == ALAN and view.index == 1
    assert store.cursor(deck.id) == ALAN


def test_the_people_an_upload_cannot_invite_can_be_skipped_at_once(
    store_deck: tuple[Store, Deck],
) -> None:
    store, deck = store_deck
    walk = Walk(store, deck, order="name")
    walk.apply_filter(WalkFilter(reach=BLOCKED))
    assert walk.bulk_skip_count() == 3  # Ada (connected), Barbara and Ken (no usable email)
    walk.bulk_skip()
    assert [store.contact(c).decision for c in (ADA, BARBARA, KEN)] == ["skip"] * 3
    assert store.counts(deck.id).undecided == 10


@pytest.mark.parametrize(
    "flt", [ALL, UPLOAD_WALK, WalkFilter("undecided"), WalkFilter("skip")], ids=str
)
def test_refused_without_a_filter_naming_some_people(
    store_deck: tuple[Store, Deck], second: sqlite3.Connection, flt: WalkFilter
) -> None:
    """Skipping the whole deck (or the whole walk) would be 'accept all' in reverse."""
    store, deck = store_deck
    walk = Walk(store, deck, order="name", start=find_start(store, deck, "name", ALL))
    walk.apply_filter(flt)
    before = rows(second, deck)
    assert walk.bulk_skip_refusal() == BULK_NO_FILTER
    assert BULK_NO_FILTER == "Choose a filter first (f): bulk skip works on a filter."
    assert walk.bulk_skip_count() == 0
    view = walk.bulk_skip()
    assert view.message == BULK_NO_FILTER and view.warning
    assert rows(second, deck) == before and journal_kinds(second, deck) == []


def test_refused_in_a_recovery_deck(tmp_path: Path, data_dir: Path) -> None:
    from tests.test_recover import CONNECTIONS, INVITATIONS, write
    from triage.recover.deck import recover
    from triage.recover.walk import RecoveryWalk

    files = [
        write(tmp_path / "export", "Invitations.csv", INVITATIONS),
        write(tmp_path / "export", "Connections.csv", CONNECTIONS),
    ]
    store = Store.open(data_dir)
    try:
        deck = recover(store, "recover", files, region="US").built.deck
        walk = RecoveryWalk(store, deck)
        walk.toggle_tag("later")
        walk.apply_filter(WalkFilter("tag", "later"))
        assert walk.bulk_skip_refusal() == BULK_RECOVERY
        view = walk.bulk_skip()
        assert view.warning and "no bulk withdraw" in view.message
        assert store.counts(deck.id).skip == 0
    finally:
        store.close()


# -- the window ----------------------------------------------------------------------


def review_screen(app: ReviewApp) -> ReviewScreen:
    screen = app.screen_stack[0]
    assert isinstance(screen, ReviewScreen)
    return screen


def notices(app: App[Any]) -> list[str]:
    return [n.message for n in app._notifications]


async def test_the_key_asks_with_the_filter_and_the_count_then_skips(
    make_app: Callable[..., ReviewApp], store_deck: tuple[Store, Deck]
) -> None:
    store, deck = store_deck
    for cid in VIP:
        store.set_tag(cid, "vip", True)
    store.decide(GRACE, "invite")
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        review_screen(app).apply_filter(VIP_FILTER)
        await pilot.press("S")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmBulkSkip)
        question = str(dialog.query_one("#bulk-question").render())
        assert question.startswith("Skip the 4 undecided cards of: tag: vip?")
        assert "Decided cards stay as they are" in question
        assert store.counts(deck.id).skip == 0  # nothing before the answer
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        decided = {cid: store.contact(cid).decision for cid in VIP}
        assert decided == {GRACE: "invite", BARBARA: "skip", TIM: "skip", ALAN: "skip", KEN: "skip"}
        line = app.screen.query_one("#header-position")
        header = "".join(strip.text for strip in line.render_line(0))
        assert "4 skipped" in header and "8 undecided" in header
        assert "Skipped 4 undecided cards of 'tag: vip'." in notices(app)[-1]
        await pilot.press("u")
        await pilot.pause()
        assert [store.contact(cid).decision for cid in (BARBARA, TIM, ALAN, KEN)] == [
            "undecided"
        ] * 4
        assert store.contact(GRACE).decision == "invite"


@pytest.mark.parametrize("key", ["escape", "n", "enter"])
async def test_escape_or_cancel_changes_nothing(
    make_app: Callable[..., ReviewApp],
    store_deck: tuple[Store, Deck],
    second: sqlite3.Connection,
    key: str,
) -> None:
    """Enter answers the focused button: Cancel."""
    store, deck = store_deck
    for cid in VIP:
        store.set_tag(cid, "vip", True)
    before = rows(second, deck)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        review_screen(app).apply_filter(VIP_FILTER)
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmBulkSkip)
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
    assert rows(second, deck) == before
    assert "bulk" not in journal_kinds(second, deck)


async def test_refused_in_the_plain_walk(
    make_app: Callable[..., ReviewApp], store_deck: tuple[Store, Deck]
) -> None:
    store, deck = store_deck
    for flt in (ALL, None):  # every card; the default walk (who an upload can invite)
        app = make_app(flt=flt)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("S")
            await pilot.pause()
            assert isinstance(app.screen, ReviewScreen)  # no dialog
            assert notices(app) == [BULK_NO_FILTER]
    assert store.counts(deck.id).skip == 0


async def test_help_and_palette_name_it_and_the_key_can_be_remapped(
    make_app: Callable[..., ReviewApp], store_deck: tuple[Store, Deck]
) -> None:
    from triage.config import Config

    store, _ = store_deck
    for cid in VIP:
        store.set_tag(cid, "vip", True)
    app = make_app(config=Config(keymap={"triage.skip_all": "ctrl+k"}))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        screen = review_screen(app)
        titles = [c.title for c in app.get_system_commands(screen)]
        assert SKIP_ALL in titles
        await pilot.press("question_mark")
        await pilot.pause()
        keys = str(app.screen.query_one("#help-keys").render())
        assert any(line.split() == ["^k", *SKIP_ALL.split()] for line in keys.splitlines())
        await pilot.press("escape")
        screen.apply_filter(VIP_FILTER)
        await pilot.press("ctrl+k")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmBulkSkip)


# -- never a bulk invite -----------------------------------------------------------------


def invited(store: Store, deck: Deck) -> int:
    (n,) = store.conn.execute(
        "SELECT COUNT(*) FROM contacts WHERE deck_id = ? AND decision = 'invite'", (deck.id,)
    ).fetchone()
    return int(n)


async def _close_dialogs(app: ReviewApp, pilot: Any) -> None:
    """Answer every dialog opened, yes first, then close it."""
    for _ in range(4):
        if len(app.screen_stack) <= 1:
            return
        await pilot.press("y", "enter")
        await pilot.pause()
        if len(app.screen_stack) > 1:
            app.pop_screen()
            await pilot.pause()


# Left out: quitting, and the export (it writes a file, and decides nothing).
NOT_PRESSED = ("app.quit", "app.export")
NOT_RUN = ("Quit", "Save screenshot", "Keys", "Theme", "Maximize", "Export")


async def test_no_key_or_palette_command_invites_more_than_one(
    make_app: Callable[..., ReviewApp],
    store_deck: tuple[Store, Deck],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every key of the walk and every command of the palette, pressed (and
    any dialog it opens answered yes) in a filter where the bulk skip runs:
    each changes at most one card to invited."""
    store, deck = store_deck
    for cid in VIP:
        store.set_tag(cid, "vip", True)
    app = make_app()
    monkeypatch.setattr(app, "open_url", lambda url, **kw: None)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        screen = review_screen(app)
        keys = [
            b.key
            for bindings in screen._bindings.key_to_bindings.values()
            for b in bindings
            if b.action not in NOT_PRESSED and b.key not in ("tab", "shift+tab")
        ]
        assert "S" in keys and "a" in keys and "s" in keys
        for key in keys:
            screen.apply_filter(VIP_FILTER)
            await pilot.pause()
            before = invited(store, deck)
            await pilot.press(key)
            await pilot.pause()
            await _close_dialogs(app, pilot)
            assert invited(store, deck) - before <= 1, key
        for command in app.get_system_commands(screen):
            if command.title in NOT_RUN:
                continue
            screen.apply_filter(VIP_FILTER)
            await pilot.pause()
            before = invited(store, deck)
            result = command.callback()
            if hasattr(result, "__await__"):
                await result
            await pilot.pause()
            await _close_dialogs(app, pilot)
            assert invited(store, deck) - before <= 1, command.title
    assert store.counts(deck.id).skip > 0  # the bulk skip did run


def triage(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_no_command_line_verb_invites_anyone(
    store_deck: tuple[Store, Deck], data_dir: Path, deck_files: list[Path], tmp_path: Path
) -> None:
    """Each verb run over a deck where one person was invited by hand leaves
    exactly that one invited; the verbs that open the window (whose keys are checked above) are the
    only ones not run."""
    import argparse

    from tests.test_recover import INVITATIONS
    from triage.cli.parser import build_parser

    store, _ = store_deck
    store.decide(GRACE, "invite")  # by hand: the one person every verb must leave alone
    store.close()
    invitations = tmp_path / "Invitations.csv"
    invitations.write_text(INVITATIONS, encoding="utf-8")
    full = tmp_path / "full.csv"
    runs: dict[str, list[str]] = {
        "import": ["import", *map(str, deck_files), "--deck", DECK],
        "status": ["status", "--deck", DECK, "--json"],
        "export": ["export", "--deck", DECK, "--format", "full", "-o", str(full)],
        "decks": ["decks"],
        "recover": ["recover", str(invitations), "--no-review"],
        "checklist": ["checklist", "--deck", "recover", "-o", str(tmp_path / "c.md")],
        "config": ["config"],
        "completion": ["completion", "bash"],
        "review": ["review", "--deck", DECK],  # refused without a terminal
    }
    window_only = {"demo", "serve"}
    parser = build_parser()
    verbs = next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(verbs) == set(runs) | window_only, "a new verb: add it to this test"
    for verb, args in runs.items():
        proc = triage(data_dir, *args)
        assert "Traceback" not in proc.stderr, (verb, proc.stderr)
        status = json.loads(triage(data_dir, "status", "--deck", DECK, "--json").stdout)
        assert status["invite"] == 1, verb
    # A full export read back brings people, never decisions.
    assert triage(data_dir, "import", str(full), "--deck", "again").returncode == 0
    again = json.loads(triage(data_dir, "status", "--deck", "again", "--json").stdout)
    assert (again["contacts"], again["invite"]) == (1, 0)


def test_the_dialog_80x24(
    snap_compare: Any, make_app: Callable[..., ReviewApp], store_deck: tuple[Store, Deck]
) -> None:
    """The filter in words, the count, what stays, the two answers."""
    store, _ = store_deck
    for cid in VIP:
        store.set_tag(cid, "vip", True)
    store.decide(GRACE, "invite")
    store.conn.execute(
        "UPDATE contacts SET decided_at = '2025-03-14T09:30:00' WHERE id = ?", (GRACE,)
    )

    async def run_before(pilot: Any) -> None:
        await pilot.pause()  # the walk is made when the screen mounts
        review_screen(pilot.app).apply_filter(VIP_FILTER)
        await pilot.press("S")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)
